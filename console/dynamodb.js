// DynamoDB: tables with their keys, indexes and counts; one table's items by Scan (in pages) or
// Query on the partition key; put, edit and delete an item.
import { call } from "./aws.js";
import { errorBox, h, link, loading, pretty, replace, table } from "./dom.js";

const PAGE = 25;
const show = (v) => {
  const [type, val] = Object.entries(v)[0];
  return type === "S" || type === "N" ? String(val) : type === "BOOL" ? String(val) : type === "NULL" ? "null" : JSON.stringify(val);
};

export function dynamodbView(r) {
  if (r.parts[0] === "t") return tableView(r.parts[1]);
  return h("section", {}, h("h1", {}, "DynamoDB tables"), loading(async () => {
    const { TableNames = [] } = await call("dynamodb", "ListTables", {});
    if (!TableNames.length) return h("p", { class: "empty" }, "No tables yet.");
    const rows = await Promise.all(TableNames.map(async (name) => {
      const { Table: t } = await call("dynamodb", "DescribeTable", { TableName: name });
      return { cells: [h("a", { href: link("dynamodb", "t", name) }, name),
        t.KeySchema.map((k) => `${k.AttributeName} (${k.KeyType})`).join(", "), String(t.ItemCount),
        [...(t.GlobalSecondaryIndexes || []), ...(t.LocalSecondaryIndexes || [])].map((i) => i.IndexName).join(", "),
        t.StreamSpecification?.StreamEnabled ? t.StreamSpecification.StreamViewType : ""] };
    }));
    return table(["Table", "Key", "Items", "Indexes", "Stream"], rows, { id: "tables" });
  }));
}

function tableView(name) {
  const section = h("section", {}, h("h1", {}, name));
  section.append(loading(async () => {
    const { Table: t } = await call("dynamodb", "DescribeTable", { TableName: name });
    const keys = t.KeySchema.map((k) => k.AttributeName);
    const hashKey = keys[0];
    const hashType = t.AttributeDefinitions.find((d) => d.AttributeName === hashKey).AttributeType;
    const items = h("div", { id: "items" });
    const status = h("div");
    const pages = [undefined];  // ExclusiveStartKey of each page seen
    let page = 0;
    let queryValue = "";

    async function load() {
      const input = { TableName: name, Limit: PAGE };
      if (pages[page]) input.ExclusiveStartKey = pages[page];
      let out;
      if (queryValue) {
        input.KeyConditionExpression = "#k = :v";
        input.ExpressionAttributeNames = { "#k": hashKey };
        input.ExpressionAttributeValues = { ":v": { [hashType]: queryValue } };
        out = await call("dynamodb", "Query", input);
      } else {
        out = await call("dynamodb", "Scan", input);
      }
      pages[page + 1] = out.LastEvaluatedKey;
      const columns = [...new Set([...keys, ...out.Items.flatMap((i) => Object.keys(i))])].slice(0, 8);
      replace(items, out.Items.length ? table([...columns, ""], out.Items.map((item) => ({
        cells: [...columns.map((c) => (item[c] ? show(item[c]) : "")),
          h("span", { class: "row-actions" },
            h("button", { onclick: () => { editor.value = JSON.stringify(item, null, 2); editor.focus(); } }, "Edit"),
            h("button", { class: "danger", onclick: async () => {
              const Key = Object.fromEntries(keys.map((k) => [k, item[k]]));
              try { await call("dynamodb", "DeleteItem", { TableName: name, Key }); await load(); } catch (e) { replace(status, errorBox(e)); }
            } }, "Delete"))],
      })), { id: "item-table" }) : h("p", { class: "empty" }, "No items."),
      h("div", { class: "pager" },
        h("button", { id: "prev-page", disabled: page === 0, onclick: () => { page--; load(); } }, "← Previous"),
        h("span", { id: "page-number" }, `page ${page + 1}`),
        h("button", { id: "next-page", disabled: !out.LastEvaluatedKey, onclick: () => { page++; load(); } }, "Next →")));
    }

    const q = h("input", { placeholder: `${hashKey} (${hashType})`, "aria-label": "Partition key value" });
    const query = h("form", { class: "inline", onsubmit: (e) => {
      e.preventDefault(); queryValue = q.value; pages.length = 1; page = 0; load().catch((err) => replace(status, errorBox(err)));
    } }, q, h("button", {}, "Query"), h("span", { class: "muted" }, " (empty: scan)"));
    const editor = h("textarea", { rows: 6, class: "mono", "aria-label": "Item JSON",
      placeholder: `{"${hashKey}": {"${hashType}": "…"}}` });
    const put = h("form", { class: "stack", onsubmit: async (e) => {
      e.preventDefault();
      try {
        await call("dynamodb", "PutItem", { TableName: name, Item: JSON.parse(editor.value) });
        replace(status, h("p", { class: "ok" }, "Item written."));
        await load();
      } catch (err) { replace(status, errorBox(err)); }
    } }, editor, h("button", {}, "Put item"));
    await load();
    return h("div", {}, h("p", { class: "muted" }, `${t.ItemCount} items · key ${keys.join(", ")}`),
      query, status, items, h("h2", {}, "Put or edit an item"), put, h("h2", {}, "Description"), pretty(t));
  }));
  return section;
}
