"""The edition: its content model, readable names and numbers, what is safe to show, and
rendering to HTML, Markdown, text and the chart."""
