// French by default (the schools are French), English on request; the choice is remembered.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import fr from "./locales/fr.json";
import en from "./locales/en.json";

export const LANGUAGES = ["fr", "en"] as const;
const stored = typeof window !== "undefined" ? window.localStorage.getItem("groupdesk.language") : null;

void i18n.use(initReactI18next).init({
  resources: { fr: { translation: fr }, en: { translation: en } },
  lng: stored === "en" ? "en" : "fr",
  fallbackLng: "fr",
  interpolation: { escapeValue: false },
});

i18n.on("languageChanged", (lng) => {
  document.documentElement.lang = lng;
  window.localStorage.setItem("groupdesk.language", lng);
});
if (typeof document !== "undefined") document.documentElement.lang = i18n.language;

export default i18n;
