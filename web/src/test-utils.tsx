// Renders a component as the console does: theme and language (French unless told otherwise).
import type { ReactElement } from "react";
import { render } from "@testing-library/react";
import { MantineProvider } from "@mantine/core";
import { theme } from "./theme";

export function renderInConsole(element: ReactElement) {
  return render(<MantineProvider theme={theme}>{element}</MantineProvider>);
}
