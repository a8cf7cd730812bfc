// A filled-in request form, each answer under the form's own title for its field.
export function FormAnswers({ data, form }: { data: unknown; form: unknown }) {
  const entries = Object.entries((data as Record<string, unknown>) ?? {});
  if (!entries.length) return null;
  const properties = ((form as { properties?: Record<string, { title?: string }> })?.properties) ?? {};
  return (
    <dl>
      {entries.map(([key, value]) => (
        <div key={key}>
          <dt style={{ fontWeight: 600 }}>{properties[key]?.title ?? key}</dt>
          <dd style={{ marginLeft: 0 }}>{Array.isArray(value) ? value.join(", ") : typeof value === "object" ? JSON.stringify(value) : String(value)}</dd>
        </div>
      ))}
    </dl>
  );
}
