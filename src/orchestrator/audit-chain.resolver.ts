import { Args, Query, Resolver } from '@nestjs/graphql';
import { AuditService } from '../audit/audit.service';
import { fetchPage } from '../database/pagination';
import { PageArgs, toConnection, toPageRequest } from '../graphql/pagination';
import { AuditChainConnection, AuditEntryModel, AuditHeadModel, AuditSignedHeadModel } from './models/audit-entry.model';

@Resolver(() => AuditChainConnection)
export class AuditChainResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => AuditChainConnection, { description: 'The audit chain, oldest first, with its head.' })
  async auditChain(@Args() args: PageArgs): Promise<AuditChainConnection> {
    // The cursor is an entry's id; the chain pages forward from it (oldest first), not back.
    const request = toPageRequest(args);
    const head = await this.audit.head();
    const signed = await this.audit.latestSignedHead();
    const page = await fetchPage(request, (limit) => this.audit.entries(request.beforeId ?? 0, limit));
    return Object.assign(new AuditChainConnection(), {
      ...toConnection(page, AuditEntryModel.from, async () => head.id),
      head: AuditHeadModel.from(head),
      signedHead: signed && AuditSignedHeadModel.from(signed),
    });
  }
}
