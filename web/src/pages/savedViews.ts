// Saved ticket views: a name and a filter, kept in the browser per person.
import type { TicketState, Priority } from "../gql/graphql";

export type TicketView = { name: string; text: string; states: TicketState[]; priorities: Priority[] };

const key = (username: string) => `groupdesk.views.${username}`;

export function loadViews(username: string): TicketView[] {
  try {
    return JSON.parse(window.localStorage.getItem(key(username)) ?? "[]") as TicketView[];
  } catch {
    return [];
  }
}

export function saveView(username: string, view: TicketView): TicketView[] {
  const views = [...loadViews(username).filter((v) => v.name !== view.name), view];
  window.localStorage.setItem(key(username), JSON.stringify(views));
  return views;
}
