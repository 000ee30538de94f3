/** OPERATOR may do everything; VIEWER may run queries and subscriptions only. */
export enum Role {
  OPERATOR = 'OPERATOR',
  VIEWER = 'VIEWER',
}

/** Who is calling: the role their token grants, and the name their changes are recorded under. */
export interface Principal {
  role: Role;
  actor: string;
}
