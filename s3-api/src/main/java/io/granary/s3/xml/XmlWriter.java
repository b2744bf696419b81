package io.granary.s3.xml;

/** Writes the small XML documents S3 answers with; text is escaped, nothing else is needed. */
public final class XmlWriter {
  private static final String NS = "http://s3.amazonaws.com/doc/2006-03-01/";
  private final StringBuilder out = new StringBuilder(512);

  private XmlWriter() {
    out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  }

  /** A document whose root element carries the S3 namespace. */
  public static XmlWriter document(String root) {
    XmlWriter w = new XmlWriter();
    w.out.append('<').append(root).append(" xmlns=\"").append(NS).append("\">");
    w.root = root;
    return w;
  }

  /** A document whose root element has no namespace (error responses). */
  public static XmlWriter plain(String root) {
    XmlWriter w = new XmlWriter();
    w.out.append('<').append(root).append('>');
    w.root = root;
    return w;
  }

  private String root;

  public XmlWriter open(String name) {
    out.append('<').append(name).append('>');
    return this;
  }

  public XmlWriter close(String name) {
    out.append("</").append(name).append('>');
    return this;
  }

  public XmlWriter element(String name, String text) {
    if (text == null) {
      return this;
    }
    out.append('<').append(name).append('>');
    escape(text);
    out.append("</").append(name).append('>');
    return this;
  }

  public XmlWriter element(String name, long value) {
    out.append('<').append(name).append('>').append(value).append("</").append(name).append('>');
    return this;
  }

  public XmlWriter element(String name, boolean value) {
    out.append('<').append(name).append('>').append(value).append("</").append(name).append('>');
    return this;
  }

  private void escape(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&apos;");
        default -> {
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            out.append("&#x").append(Integer.toHexString(c)).append(';');
          } else {
            out.append(c);
          }
        }
      }
    }
  }

  /** Closes the root and returns the document. */
  public String finish() {
    out.append("</").append(root).append('>');
    return out.toString();
  }
}
