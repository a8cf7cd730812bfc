// The catalogue: bricks > services > sub-services, searched as one, each sub-service a request.
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { useQuery } from "urql";
import { useTranslation } from "react-i18next";
import { Accordion, Alert, Badge, Button, Group, Stack, Text, TextInput, Title } from "@mantine/core";
import { CatalogueQuery } from "../graphql/operations";
import { businessSpan } from "./durations";
import type { CatalogueQuery as CatalogueData } from "../gql/graphql";
import { Busy } from "../components/Busy";

type Brick = CatalogueData["bricks"][number];

/** Keeps what matches every word: a brick's name matches all it holds, a service's its sub-services. */
export function filterCatalogue(bricks: Brick[], query: string): Brick[] {
  const words = normalise(query).split(/\s+/).filter(Boolean);
  if (!words.length) return bricks;
  const matches = (...texts: string[]) => {
    const haystack = normalise(texts.join(" "));
    return words.every((word) => haystack.includes(word));
  };
  return bricks
    .map((brick) => ({
      ...brick,
      services: brick.services
        .map((service) => ({
          ...service,
          subServices: service.subServices.filter((sub) =>
            matches(brick.name, brick.code, service.name, sub.name, sub.description)),
        }))
        .filter((service) => service.subServices.length > 0),
    }))
    .filter((brick) => brick.services.length > 0);
}

function normalise(text: string): string {
  return text.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
}

export function CataloguePage() {
  const { t } = useTranslation();
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState<string[]>([]);
  const [{ data, fetching, error }] = useQuery({ query: CatalogueQuery });
  const shown = useMemo(() => filterCatalogue(data?.bricks ?? [], query), [data, query]);
  return (
    <Stack>
      <Title order={1}>{t("catalogue.title")}</Title>
      <TextInput label={t("catalogue.search")} value={query} onChange={(e) => setQuery(e.currentTarget.value)} type="search" />
      {fetching && <Busy />}
      {error && <Alert color="red">{t("app.error", { message: error.message })}</Alert>}
      {data && !shown.length && <Text>{t("catalogue.empty", { q: query })}</Text>}
      <Accordion multiple value={query ? shown.map((b) => b.id) : open} onChange={setOpen} variant="separated">
        {shown.map((brick) => (
          <Accordion.Item key={brick.id} value={brick.id}>
            <Accordion.Control>
              <Text fw={700}>{brick.name}</Text>
            </Accordion.Control>
            <Accordion.Panel>
              {brick.services.map((service) => (
                <Stack key={service.id} gap={4} mb="sm" component="section" aria-label={service.name}>
                  <Title order={3} size="h5">{service.name}</Title>
                  {service.subServices.map((sub) => (
                    <Group key={sub.id} justify="space-between" wrap="nowrap">
                      <div>
                        <Text>{sub.name}</Text>
                        <Text size="sm" c="dimmed">{sub.description}</Text>
                        <EstimatedDelay delay={sub.estimatedDelay} />
                        {sub.requiresApproval && <Badge variant="outline" c="dark" size="sm">{t("catalogue.approval")}</Badge>}
                      </div>
                      <Button component={Link} to={`/catalogue/${encodeURIComponent(sub.id)}`} variant="light"
                        aria-label={`${t("catalogue.open")} : ${brick.name} › ${service.name} › ${sub.name}`}>
                        {t("catalogue.open")}
                      </Button>
                    </Group>
                  ))}
                </Stack>
              ))}
            </Accordion.Panel>
          </Accordion.Item>
        ))}
      </Accordion>
    </Stack>
  );
}

type Delay = Brick["services"][number]["subServices"][number]["estimatedDelay"];

/** What a school can expect: time to be taken and resolved, and what the estimate rests on. */
export function EstimatedDelay({ delay }: { delay: Delay }) {
  const { t, i18n } = useTranslation();
  if (delay.basis === "UNKNOWN") return null;
  const parts = [
    delay.takeBusinessSeconds != null && t("delay.take", { span: businessSpan(delay.takeBusinessSeconds, i18n.language) }),
    delay.resolveBusinessSeconds != null && t("delay.resolve", { span: businessSpan(delay.resolveBusinessSeconds, i18n.language) }),
  ].filter(Boolean);
  if (!parts.length) return null;
  return (
    <Text size="sm" data-testid="estimated-delay">
      {t("catalogue.delay", { delay: parts.join(", ") })} ({t(`delay.${delay.basis}`)})
    </Text>
  );
}
