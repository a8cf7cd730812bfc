import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import i18n from "../i18n";
import { renderInConsole } from "../test-utils";
import { LanguageSwitch } from "./LanguageSwitch";
import { StateBadge } from "./StateBadge";

afterEach(() => void i18n.changeLanguage("fr"));

test("the console speaks French first and English on request, and remembers it", async () => {
  renderInConsole(
    <>
      <LanguageSwitch />
      <StateBadge state="PENDING" />
    </>,
  );
  expect(screen.getByText("En attente de l'établissement")).toBeInTheDocument();
  expect(document.documentElement.lang).toBe("fr");
  await userEvent.click(screen.getByText("EN"));
  expect(await screen.findByText("Waiting on the school")).toBeInTheDocument();
  expect(document.documentElement.lang).toBe("en");
  expect(window.localStorage.getItem("groupdesk.language")).toBe("en");
});
