import { describe, expect, test } from "bun:test";
import { isSafeHref, markdownToHtml } from "./markdown.ts";

describe("markdownToHtml", () => {
  test("renders emphasis, code blocks and lists", () => {
    expect(markdownToHtml("**bold** and *em*")).toBe("<p><strong>bold</strong> and <em>em</em></p>");
    expect(markdownToHtml("```js\nlet a = 1 < 2;\n```")).toBe(
      '<pre><code class="language-js">let a = 1 &lt; 2;\n</code></pre>',
    );
    expect(markdownToHtml("- a\n- b")).toBe("<ul>\n<li>a</li>\n<li>b</li>\n</ul>");
  });

  test("shows raw HTML as text, inline and as a block", () => {
    expect(markdownToHtml("hi <script>alert(1)</script>")).toBe("<p>hi &lt;script&gt;alert(1)&lt;/script&gt;</p>");
    expect(markdownToHtml("<img src=x onerror=alert(1)>")).toBe("<p>&lt;img src=x onerror=alert(1)&gt;</p>");
    expect(markdownToHtml("<div onclick=x>\nblock</div>")).toBe("<p>&lt;div onclick=x&gt;\nblock&lt;/div&gt;</p>");
  });

  test("links open in a new tab with rel=noopener noreferrer; other schemes stay text", () => {
    expect(markdownToHtml("[docs](https://example.com)")).toBe(
      '<p><a href="https://example.com" target="_blank" rel="noopener noreferrer">docs</a></p>',
    );
    expect(markdownToHtml("[mail](mailto:a@example.com)")).toContain('href="mailto:a@example.com"');
    expect(markdownToHtml("[x](javascript:alert(1))")).toBe("<p>x</p>");
    expect(markdownToHtml("[x](data:text/html,<b>)")).not.toContain("<a");
  });

  test("images become links, so the page fetches nothing from elsewhere", () => {
    expect(markdownToHtml("![cat](https://example.com/cat.png)")).toBe(
      '<p><a href="https://example.com/cat.png" target="_blank" rel="noopener noreferrer">cat</a></p>',
    );
    expect(markdownToHtml('![x" onerror="y](javascript:1)')).toBe("<p>x&quot; onerror=&quot;y</p>");
  });
});

describe("isSafeHref", () => {
  test("accepts http, https and mailto only", () => {
    for (const ok of ["http://a", "HTTPS://a", " mailto:x@y"]) expect(isSafeHref(ok)).toBe(true);
    for (const bad of ["javascript:1", "data:x", "/relative", "vbscript:x", "//evil.example"]) {
      expect(isSafeHref(bad)).toBe(false);
    }
  });
});
