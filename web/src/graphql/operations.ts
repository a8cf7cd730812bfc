// Every operation the console sends; GraphQL Code Generator types them from schema/schema.graphql.
import { graphql } from "../gql";

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      roles
      user { id username displayName }
      tenant { id slug name kind }
    }
    notifications(first: 1) { unreadCount }
  }
`);

export const CatalogueQuery = graphql(`
  query Catalogue {
    bricks {
      id code name description
      services {
        id name description
        subServices {
          id name description requiresApproval defaultPriority
          estimatedDelay { takeBusinessSeconds resolveBusinessSeconds basis sampleSize }
        }
      }
    }
  }
`);

export const SubServiceQuery = graphql(`
  query SubServiceForm($id: ID!) {
    subService(id: $id) {
      id name description form requiresApproval defaultPriority
      service { id name brick { id name } }
    }
    tenants { id name slug kind active }
  }
`);

export const OpenTicketMutation = graphql(`
  mutation OpenTicket($input: OpenTicketInput!) {
    openTicket(input: $input) {
      __typename
      ... on Ticket { id ref state }
      ... on ValidationFailed { message fields { field message } }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on Conflict { message }
    }
  }
`);

export const TicketRowFields = graphql(`
  fragment TicketRow on Ticket {
    id ref title state priority escalationLevel createdAt updatedAt
    school { id name }
    brick { id name }
    subService { id name }
    assignee { id displayName }
    sla { state takeDueAt resolveDueAt running }
  }
`);

export const TicketsQuery = graphql(`
  query Tickets($filter: TicketFilter, $orderBy: TicketOrder, $first: Int, $after: String) {
    tickets(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...TicketRow } }
    }
  }
`);

export const MyQueueQuery = graphql(`
  query MyQueue($first: Int, $after: String) {
    myQueue(first: $first, after: $after, orderBy: { field: PRIORITY, direction: DESC }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { ...TicketRow allowedActions version } }
    }
  }
`);

export const TicketDetailFields = graphql(`
  fragment TicketDetail on Ticket {
    id ref title description state priority version requestData localRef escalationLevel solution
    requesterName requesterEmail createdAt updatedAt resolvedAt closedAt allowedActions
    school { id name }
    openedBy { id displayName }
    assignee { id displayName tenant { id name } }
    brick { id name }
    service { id name }
    subService { id name form }
    mirror { desk remoteRef status lastError lastSyncedAt attempts }
    sla { takeDueAt resolveDueAt elapsedBusinessSeconds state running }
    approvalRequest { approvers costField cost secondApprovalAbove approvalsNeeded decisions { decision comment createdAt approver { id displayName } } }
    comments(last: 100) {
      totalCount
      edges { node { id body visibility source createdAt author { id displayName } } }
    }
    history(last: 100) {
      edges { node { id kind visibility data createdAt actor { id displayName } } }
    }
  }
`);

export const TicketByRefQuery = graphql(`
  query TicketByRef($ref: String!) {
    ticketByRef(ref: $ref) { ...TicketDetail }
  }
`);


export const TakeTicket = graphql(`
  mutation TakeTicket($input: TicketChangeInput!) {
    takeTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const StartTicket = graphql(`
  mutation StartTicket($input: TicketChangeInput!) {
    startTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const ResumeTicket = graphql(`
  mutation ResumeTicket($input: TicketChangeInput!) {
    resumeTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const CloseTicket = graphql(`
  mutation CloseTicket($input: TicketChangeInput!) {
    closeTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const ApproveTicket = graphql(`
  mutation ApproveTicket($input: ApproveTicketInput!) {
    approveTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const HoldTicket = graphql(`
  mutation HoldTicket($input: TicketReasonInput!) {
    holdTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const RejectTicket = graphql(`
  mutation RejectTicket($input: TicketReasonInput!) {
    rejectTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const AnswerTicket = graphql(`
  mutation AnswerTicket($input: AnswerTicketInput!) {
    answerTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const ResolveTicket = graphql(`
  mutation ResolveTicket($input: ResolveTicketInput!) {
    resolveTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const ReopenTicket = graphql(`
  mutation ReopenTicket($input: ReopenTicketInput!) {
    reopenTicket(input: $input) {
      __typename
      ... on Ticket { ...TicketDetail }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const AddComment = graphql(`
  mutation AddComment($input: AddCommentInput!) {
    addComment(input: $input) {
      __typename
      ... on CommentAdded { ticket { ...TicketDetail } }
      ... on NotFound { message }
      ... on PermissionDenied { message }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message currentVersion }
      ... on ActionNotAllowed { message action allowedActions }
    }
  }
`);

export const NotificationsQuery = graphql(`
  query Notifications {
    notifications(first: 20) {
      unreadCount
      edges { node { id kind ref title actor message createdAt read } }
    }
  }
`);

export const MarkNotificationsRead = graphql(`
  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {
    markNotificationsRead(input: $input) {
      __typename
      ... on NotificationsMarked { marked unreadCount }
    }
  }
`);

export const MirrorsQuery = graphql(`
  query Mirrors($status: MirrorStatus) {
    mirrors(status: $status, first: 50) {
      totalCount
      edges {
        node {
          desk remoteRef status lastError attempts lastSyncedAt nextAttemptAt
          school { id name }
          ticket { id ref title }
        }
      }
    }
  }
`);

export const RetryMirror = graphql(`
  mutation RetryMirror($ticketId: ID!) {
    retryMirror(ticketId: $ticketId) {
      __typename
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const ApiTokensQuery = graphql(`
  query ApiTokens {
    apiTokens { id name purpose prefix createdAt lastUsedAt revokedAt active tenant { id name } user { id username } }
    tenants { id name slug kind active }
  }
`);

export const CreateApiToken = graphql(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      __typename
      ... on ApiTokenCreated { secret apiToken { id name prefix } }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const RevokeApiToken = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      __typename
      ... on ApiToken { id active revokedAt }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const ExpertsQuery = graphql(`
  query Experts {
    experts {
      id level active
      user { id displayName tenant { id name } }
      brick { id name }
      service { id name }
      subService { id name }
    }
  }
`);

export const UsersQuery = graphql(`
  query Users($filter: UserFilter, $first: Int) {
    users(filter: $filter, first: $first) {
      totalCount
      edges { node { id username displayName email roles active technical tenant { id name } } }
    }
    tenants { id name slug kind active }
  }
`);

export const SetUserRoles = graphql(`
  mutation SetUserRoles($input: SetUserRolesInput!) {
    setUserRoles(input: $input) {
      __typename
      ... on User { id roles }
      ... on ValidationFailed { message fields { field message } }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const DeactivateUser = graphql(`
  mutation DeactivateUser($id: ID!) {
    deactivateUser(id: $id) {
      __typename
      ... on User { id active }
      ... on ValidationFailed { message fields { field message } }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const ReactivateUser = graphql(`
  mutation ReactivateUser($id: ID!) {
    reactivateUser(id: $id) {
      __typename
      ... on User { id active }
      ... on ValidationFailed { message fields { field message } }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const AuditEventsQuery = graphql(`
  query AuditEvents($filter: AuditFilter, $first: Int) {
    auditEvents(filter: $filter, first: $first) {
      edges { node { id createdAt action actorName credential targetKind targetId changes tenant { id name } } }
    }
  }
`);

export const ApprovalsQuery = graphql(`
  query Approvals($first: Int) {
    tickets(filter: { states: [WAITING_FOR_APPROVAL] }, first: $first, orderBy: { field: CREATED_AT, direction: ASC }) {
      totalCount
      edges {
        node {
          ...TicketRow
          requestData
          subService { id name form }
          openedBy { id displayName }
          approvalRequest { approvers costField cost secondApprovalAbove approvalsNeeded decisions { decision comment createdAt approver { id displayName } } }
        }
      }
    }
  }
`);

export const DesignateExpert = graphql(`
  mutation DesignateExpert($input: DesignateExpertInput!) {
    designateExpert(input: $input) {
      __typename
      ... on ExpertDesignation { id }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const RevokeExpert = graphql(`
  mutation RevokeExpert($id: ID!) {
    revokeExpert(id: $id) {
      __typename
      ... on ExpertRevoked { revokedId }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

// Live updates over graphql-ws. A list change carries the ticket as the caller sees it now, so the
// normalised cache refreshes its row without a request; a history event tells a ticket page to read
// the ticket again; a mirror change is written into its ticket; a notification signal bumps the bell.
export const MyQueueEventsSubscription = graphql(`
  subscription MyQueueEvents {
    myQueueEvents {
      ticketId version change state eventKind
      ticket { ...TicketRow allowedActions version }
    }
  }
`);

export const TicketsChangedSubscription = graphql(`
  subscription TicketsChanged($filter: TicketFilter) {
    ticketsChanged(filter: $filter) {
      ticketId version change state eventKind
      ticket { ...TicketRow version }
    }
  }
`);

export const TicketEventsSubscription = graphql(`
  subscription TicketEvents($ticketId: ID!) {
    ticketEvents(ticketId: $ticketId) { id kind visibility data createdAt actor { id displayName } }
  }
`);

// The ticket's mirror as it is after each change (delivered with the local ticket's number, failing,
// paused, retried): the cache writes it into the ticket's entry (liveUpdates.ts), the page shows it.
export const TicketMirrorChangedSubscription = graphql(`
  subscription TicketMirrorChanged($ticketId: ID!) {
    ticketMirrorChanged(ticketId: $ticketId) { desk remoteRef status lastError lastSyncedAt attempts }
  }
`);

// What a mirror change writes into its ticket's entry: the mirror's fields the ticket page reads.
export const TicketMirrorFields = graphql(`
  fragment TicketMirrorOfTicket on Ticket {
    id
    mirror { desk remoteRef status lastError lastSyncedAt attempts }
  }
`);

export const NotificationReceivedSubscription = graphql(`
  subscription NotificationReceived {
    notificationReceived { notificationId kind ticketId at }
  }
`);

// Read and written only in the cache: the bell's count, bumped by a notification signal.
export const UnreadCountQuery = graphql(`
  query UnreadCount($first: Int) {
    notifications(first: $first) { unreadCount }
  }
`);
