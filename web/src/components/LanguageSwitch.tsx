// French or English, for the whole console.
import { SegmentedControl } from "@mantine/core";
import { useTranslation } from "react-i18next";

export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  return (
    <SegmentedControl
      aria-label={t("app.language")}
      size="xs"
      value={i18n.language.startsWith("en") ? "en" : "fr"}
      onChange={(lng) => void i18n.changeLanguage(lng)}
      data={[
        { value: "fr", label: "FR" },
        { value: "en", label: "EN" },
      ]}
    />
  );
}
