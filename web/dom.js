// The pages' one DOM builder: el('button', { class: 'x', onclick: f }, 'text', child).
// Keys: `class` → className, `dataset` → data-*, `on<event>` → a listener, `aria-*` and `role` → the
// attribute (they are no properties), anything else → the property.
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key.startsWith('aria-') || key === 'role') {
      if (value !== undefined && value !== null) node.setAttribute(key, value);
    }
    else node[key] = value;
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}
