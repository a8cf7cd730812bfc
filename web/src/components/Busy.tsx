// What the console shows while it waits for an answer: a spinner announced as a status.
// Mantine's Loader is a plain <span>, and a name on an element with no role is not allowed
// (axe: aria-prohibited-attr), so the spinner carries role="status" and is named by it.
import { Center, Loader } from "@mantine/core";
import { useTranslation } from "react-i18next";

export function Busy({ page = false }: { page?: boolean }) {
  const { t } = useTranslation();
  const spinner = <Loader role="status" aria-label={t("app.loading")} />;
  return page ? <Center h="100vh">{spinner}</Center> : spinner;
}
