// DOM helpers every screen shares: one `$`, showing and hiding, and building elements without innerHTML.

export const $ = (id) => document.getElementById(id);

export function show(node, visible) {
  node.hidden = !visible;
}

// el("td", { className: "count", dataset: { since } }, "text", child): properties where the element has them,
// attributes otherwise.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "dataset") Object.assign(node.dataset, value);
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}
