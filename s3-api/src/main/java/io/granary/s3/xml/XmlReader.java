package io.granary.s3.xml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.xml.XmlFactory;
import com.fasterxml.jackson.dataformat.xml.XmlMapper;
import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.xml.stream.XMLInputFactory;

/**
 * Parses request bodies (Delete, CompleteMultipartUpload, Tagging) into a tree. DTDs and external
 * entities are off, so XXE and entity-expansion payloads fail as MalformedXML; callers bound the
 * body size before parsing.
 */
public final class XmlReader {
  /** Largest request document accepted (a Delete of 1000 keys of 1 KiB fits). */
  public static final int MAX_BYTES = 2 << 20;

  private static final XmlMapper MAPPER;

  static {
    XMLInputFactory in = XMLInputFactory.newFactory();
    in.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    in.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    in.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
    MAPPER = new XmlMapper(XmlFactory.builder().xmlInputFactory(in).build());
  }

  private XmlReader() {}

  public static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML, "empty XML body");
    }
    if (body.length > MAX_BYTES) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML, "XML body larger than " + MAX_BYTES + " bytes");
    }
    String text = new String(body, java.nio.charset.StandardCharsets.UTF_8);
    if (text.contains("<!DOCTYPE") || text.contains("<!ENTITY")) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML, "DTDs and entities are not accepted");
    }
    try {
      return MAPPER.readTree(body);
    } catch (IOException | RuntimeException e) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML, "malformed XML: " + firstLine(e.getMessage()));
    }
  }

  /** The children named {@code name}: one element or a repeated list, as Jackson folds them. */
  public static List<JsonNode> children(JsonNode parent, String name) {
    JsonNode n = parent == null ? null : parent.get(name);
    List<JsonNode> out = new ArrayList<>();
    if (n == null) {
      return out;
    }
    if (n.isArray()) {
      n.forEach(out::add);
    } else {
      out.add(n);
    }
    return out;
  }

  /** Text of child {@code name}, or null. */
  public static String text(JsonNode parent, String name) {
    JsonNode n = parent == null ? null : parent.get(name);
    return n == null || n.isNull() ? null : n.asText();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
