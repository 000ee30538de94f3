import { graphql } from '../gql';

/* Everything the console asks of the API, typed from schema.gql by `npm run build`. */

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      role
      actor
      authenticationRequired
    }
  }
`);

export const TickFields = graphql(`
  fragment TickFields on Tick {
    id
    owner
    epoch
    startedAt
    finishedAt
    durationMs
    outcome
    attempted
    succeeded
    failed
    retried
    deadLettered
    note
  }
`);

export const ActionFields = graphql(`
  fragment ActionFields on Action {
    id
    idempotencyKey
    type
    status
    attempts
    priority
    runAfter
    lastErrorCode
    lastError
    createdAt
    updatedAt
  }
`);

export const FlagsFields = graphql(`
  fragment FlagsFields on ControlFlags {
    paused
    killed
    proofMode
    reason
    updatedBy
    updatedAt
  }
`);

export const StatusQuery = graphql(`
  query Status {
    autonomyStatus {
      instanceId
      leader
      lease {
        owner
        epoch
        expiresAt
        expiresInSeconds
        acquiredAt
      }
      flags {
        ...FlagsFields
      }
      queue {
        pending
        running
        retry
        dlq
        needsReview
        awaitingApproval
        rejected
        success
        cancelled
      }
      oldestDueAgeSeconds
      mode
      modeReason
    }
  }
`);

export const TicksQuery = graphql(`
  query Ticks($first: Int!, $after: String, $filter: TickFilterInput) {
    ticks(first: $first, after: $after, filter: $filter) {
      totalCount
      edges {
        node {
          ...TickFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const TickCompletedSubscription = graphql(`
  subscription TickCompleted {
    tickCompleted {
      ...TickFields
    }
  }
`);

export const FlagsChangedSubscription = graphql(`
  subscription FlagsChanged {
    controlFlagsChanged {
      ...FlagsFields
    }
  }
`);

export const ActionsQuery = graphql(`
  query Actions($first: Int!, $after: String, $filter: ActionFilterInput) {
    actions(first: $first, after: $after, filter: $filter) {
      totalCount
      edges {
        node {
          ...ActionFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ActionUpdatedSubscription = graphql(`
  subscription ActionUpdated($id: ID, $status: ActionStatus) {
    actionUpdated(id: $id, status: $status) {
      ...ActionFields
    }
  }
`);

export const ActionDetailQuery = graphql(`
  query ActionDetail($id: ID!) {
    action(id: $id) {
      ...ActionFields
      payload
      claimedBy
      claimEpoch
      rescues
      finishedAt
      artifactRef
      artifactSha256
      remoteId
      remoteUrl
      executionLogs(first: 100) {
        edges {
          node {
            id
            attempt
            mode
            outcome
            startedAt
            durationMs
            errorCode
            error
            artifactRef
            artifactSha256
            tickId
          }
        }
        pageInfo {
          hasNextPage
        }
      }
    }
  }
`);

export const ExecutionLoggedSubscription = graphql(`
  subscription ExecutionLogged($actionId: ID) {
    executionLogged(actionId: $actionId) {
      id
    }
  }
`);

export const ControlEventsQuery = graphql(`
  query ControlEvents($first: Int!, $after: String) {
    controlEvents(first: $first, after: $after) {
      edges {
        node {
          id
          kind
          actor
          reason
          actionId
          details
          createdAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const PauseMutation = graphql(`
  mutation Pause($reason: String!) {
    pause(reason: $reason) {
      ...FlagsFields
    }
  }
`);

export const ResumeMutation = graphql(`
  mutation Resume($reason: String!) {
    resume(reason: $reason) {
      ...FlagsFields
    }
  }
`);

export const KillMutation = graphql(`
  mutation Kill($reason: String!) {
    kill(reason: $reason) {
      ...FlagsFields
    }
  }
`);

export const ReviveMutation = graphql(`
  mutation Revive($reason: String!) {
    revive(reason: $reason) {
      ...FlagsFields
    }
  }
`);

export const SetProofModeMutation = graphql(`
  mutation SetProofMode($enabled: Boolean!, $reason: String!) {
    setProofMode(enabled: $enabled, reason: $reason) {
      ...FlagsFields
    }
  }
`);

export const RetryActionMutation = graphql(`
  mutation RetryAction($id: ID!, $reason: String!) {
    retryAction(id: $id, reason: $reason) {
      ...ActionFields
    }
  }
`);

export const ApproveActionMutation = graphql(`
  mutation ApproveAction($id: ID!, $reason: String!) {
    approveAction(id: $id, reason: $reason) {
      ...ActionFields
    }
  }
`);

export const RejectActionMutation = graphql(`
  mutation RejectAction($id: ID!, $reason: String!) {
    rejectAction(id: $id, reason: $reason) {
      ...ActionFields
    }
  }
`);

export const ResolveActionMutation = graphql(`
  mutation ResolveAction($id: ID!, $outcome: ReviewOutcome!, $reason: String!, $remoteUrl: String) {
    resolveAction(id: $id, outcome: $outcome, reason: $reason, remoteUrl: $remoteUrl) {
      ...ActionFields
    }
  }
`);

export const ReconcileActionMutation = graphql(`
  mutation ReconcileAction($id: ID!, $reason: String!) {
    reconcileAction(id: $id, reason: $reason) {
      found
      checked
      action {
        ...ActionFields
      }
    }
  }
`);

export const CancelActionMutation = graphql(`
  mutation CancelAction($id: ID!, $reason: String!) {
    cancelAction(id: $id, reason: $reason) {
      ...ActionFields
    }
  }
`);
