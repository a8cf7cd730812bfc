// The group administrators' operations (dashboard, catalogue, desks, people); typed by GraphQL
// Code Generator from schema/schema.graphql like operations.ts.
import { graphql } from "../gql";

export const StatsFiguresFields = graphql(`
  fragment StatsFigures on StatsGroup {
    key label opened resolved closed rejected backlog escalations
    timeToTake {
      businessSeconds { count mean median p90 }
      wallClockSeconds { count mean median p90 }
    }
    timeToResolve {
      businessSeconds { count mean median p90 }
      wallClockSeconds { count mean median p90 }
    }
    takeCompliance { met total rate }
    resolveCompliance { met total rate }
  }
`);

export const DashboardQuery = graphql(`
  query Dashboard($period: StatsPeriod!, $groupBy: StatsGroupBy!, $bucket: StatsGroupBy!) {
    overall: stats(period: $period, groupBy: $groupBy) {
      __typename
      ... on Stats {
        total { ...StatsFigures }
        groups { ...StatsFigures }
        topSubServicesByVolume { key label value }
        backlogByExpert { key label value }
      }
      ... on PermissionDenied { message }
    }
    series: stats(period: $period, groupBy: $bucket) {
      __typename
      ... on Stats { groups { key label opened resolved } }
      ... on PermissionDenied { message }
    }
  }
`);

export const CatalogueAdminQuery = graphql(`
  query CatalogueAdmin {
    bricks(includeInactive: true) {
      id code name description active
      services {
        id name description active
        subServices {
          id name description active requiresApproval defaultPriority form
          serviceLevelTargets { priority takeMinutes resolveMinutes }
        }
      }
    }
  }
`);

export const CreateBrick = graphql(`
  mutation CreateBrick($input: CreateBrickInput!) {
    createBrick(input: $input) {
      __typename
      ... on Brick { id code name description active }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const UpdateBrick = graphql(`
  mutation UpdateBrick($input: UpdateBrickInput!) {
    updateBrick(input: $input) {
      __typename
      ... on Brick { id code name description active }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const DeactivateBrick = graphql(`
  mutation DeactivateBrick($id: ID!) {
    deactivateBrick(id: $id) {
      __typename
      ... on Brick { id active }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const CreateService = graphql(`
  mutation CreateService($input: CreateServiceInput!) {
    createService(input: $input) {
      __typename
      ... on Service { id name description active }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const UpdateService = graphql(`
  mutation UpdateService($input: UpdateServiceInput!) {
    updateService(input: $input) {
      __typename
      ... on Service { id name description active }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const DeactivateService = graphql(`
  mutation DeactivateService($id: ID!) {
    deactivateService(id: $id) {
      __typename
      ... on Service { id active }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const CreateSubService = graphql(`
  mutation CreateSubService($input: CreateSubServiceInput!) {
    createSubService(input: $input) {
      __typename
      ... on SubService { id name description active requiresApproval defaultPriority }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const UpdateSubService = graphql(`
  mutation UpdateSubService($input: UpdateSubServiceInput!) {
    updateSubService(input: $input) {
      __typename
      ... on SubService { id name description active requiresApproval defaultPriority form }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const DeactivateSubService = graphql(`
  mutation DeactivateSubService($id: ID!) {
    deactivateSubService(id: $id) {
      __typename
      ... on SubService { id active }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const SetServiceLevelTarget = graphql(`
  mutation SetServiceLevelTarget($input: SetServiceLevelTargetInput!) {
    setServiceLevelTarget(input: $input) {
      __typename
      ... on ServiceLevelTarget { priority takeMinutes resolveMinutes }
      ... on ValidationFailed { message fields { field message } }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const FulfilmentStatusesQuery = graphql(`
  query FulfilmentStatuses {
    fulfilmentStatuses { code name error }
  }
`);

export const SetFulfilment = graphql(`
  mutation SetFulfilment($input: SetFulfilmentInput!) {
    setFulfilment(input: $input) {
      __typename
      ... on Ticket { id ref fulfilment { system status message updatedAt } }
      ... on ValidationFailed { message fields { field message } }
      ... on Conflict { message }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const DesksQuery = graphql(`
  query Desks {
    desks { kind url credentialNames mappings timeout school { id name slug } }
    tenants { id name slug kind active }
  }
`);

export const ConfigureDesk = graphql(`
  mutation ConfigureDesk($input: ConfigureDeskInput!) {
    configureDesk(input: $input) {
      __typename
      ... on DeskConfigured { school { id name } desk { kind url credentialNames mappings timeout school { id name slug } } }
      ... on ValidationFailed { message fields { field message } }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const CheckDesk = graphql(`
  mutation CheckDesk($tenantId: ID!) {
    checkDesk(tenantId: $tenantId) {
      __typename
      ... on DeskChecked { outcome ok reachable message detail school { id } }
      ... on ValidationFailed { message fields { field message } }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const MoveUser = graphql(`
  mutation MoveUser($input: MoveUserInput!) {
    moveUser(input: $input) {
      __typename
      ... on User { id roles tenant { id name } }
      ... on ValidationFailed { message fields { field message } }
      ... on NotFound { message }
      ... on PermissionDenied { message }
    }
  }
`);

export const TicketIdByRefQuery = graphql(`
  query TicketIdByRef($ref: String!) {
    ticketByRef(ref: $ref) { id ref title fulfilment { system status message updatedAt } }
  }
`);
