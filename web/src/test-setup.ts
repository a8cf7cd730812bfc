import "@testing-library/jest-dom/vitest";
import { configure } from "@testing-library/react";
import "./i18n";

// findBy*/waitFor wait for what does appear; on a busy machine that can take longer than the default
// second. Only a failing wait ever lasts this long.
configure({ asyncUtilTimeout: 15_000 });

// Mantine reads these browser features, which jsdom lacks.
Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false, media: query, onchange: null,
    addListener: () => {}, removeListener: () => {}, addEventListener: () => {}, removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});
class NoResizeObserver { observe() {} unobserve() {} disconnect() {} }
window.ResizeObserver = NoResizeObserver as unknown as typeof ResizeObserver;
// Autosized text areas wait for web fonts; jsdom has no font loading.
if (!("fonts" in document)) {
  Object.defineProperty(document, "fonts", {
    value: { addEventListener: () => {}, removeEventListener: () => {}, ready: Promise.resolve() },
  });
}
// Mantine's comboboxes scroll the selected option into view; jsdom does not scroll.
if (!Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = () => {};
