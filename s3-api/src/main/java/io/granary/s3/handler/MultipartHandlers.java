package io.granary.s3.handler;

import com.fasterxml.jackson.databind.JsonNode;
import io.granary.s3.S3Backend;
import io.granary.s3.S3Backend.ObjectData;
import io.granary.s3.S3Backend.ObjectInfo;
import io.granary.s3.S3Backend.PartInfo;
import io.granary.s3.S3Backend.PartRef;
import io.granary.s3.S3Backend.UploadInfo;
import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import io.granary.s3.auth.PayloadStream;
import io.granary.s3.http.S3Exchange;
import io.granary.s3.http.S3Request;
import io.granary.s3.xml.XmlReader;
import io.granary.s3.xml.XmlWriter;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Multipart uploads: create, upload (and copy) parts, complete, abort, list. */
public final class MultipartHandlers {
  /** Largest part S3 accepts. */
  static final long MAX_PART = 5L << 30;

  private final S3Backend backend;

  public MultipartHandlers(S3Backend backend, ObjectHandlers objects) {
    this.backend = backend;
  }

  private static int partNumber(S3Request req) {
    try {
      int n = Integer.parseInt(req.query("partNumber"));
      if (n < 1 || n > 10_000) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "Part number must be an integer between 1 and 10000, inclusive");
    }
  }

  public void create(S3Exchange ex) {
    S3Request req = ex.request();
    ObjectHandlers.checkKey(req.key());
    String id = backend.createUpload(req.bucket(), req.key(), ObjectHandlers.metadata(req));
    ex.xml(200, XmlWriter.document("InitiateMultipartUploadResult")
        .element("Bucket", req.bucket()).element("Key", req.key()).element("UploadId", id).finish());
  }

  public void uploadPart(S3Exchange ex) throws IOException {
    S3Request req = ex.request();
    int part = partNumber(req);
    long length = ex.declaredLength();
    if (length > MAX_PART) {
      throw new S3Exception(S3ErrorCode.ENTITY_TOO_LARGE, "a part is limited to 5 GiB");
    }
    PayloadStream body = ex.body();
    PartInfo info = backend.uploadPart(req.bucket(), req.key(), req.query("uploadId"), part, body, length, body::md5Hex);
    ex.response().putHeader("ETag", "\"" + info.etag() + "\"");
    body.checksums().forEach(ex.response()::putHeader);
    ex.empty(200);
  }

  public void uploadPartCopy(S3Exchange ex) throws IOException {
    S3Request req = ex.request();
    int part = partNumber(req);
    String[] src = ObjectHandlers.copySource(req);
    ObjectInfo source = backend.head(src[0], src[1]);
    ObjectHandlers.copyPreconditions(req, source);
    long first = 0;
    long last = source.size() - 1;
    String range = req.header("x-amz-copy-source-range");
    if (range != null) {
      long[] r = ObjectHandlers.parseRange(range, source.size());
      if (r == null || r[1] >= source.size()) {
        throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "The x-amz-copy-source-range value must be of the form "
            + "bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy");
      }
      first = r[0];
      last = r[1];
    }
    long length = Math.max(0, last - first + 1);
    ObjectData data = backend.get(src[0], src[1], first, length, Map.of("zero-copy", "false"));
    MessageDigest md5 = ObjectHandlers.md5();
    PartInfo info;
    try (InputStream in = new DigestInputStream(data.stream(), md5)) {
      info = backend.uploadPart(req.bucket(), req.key(), req.query("uploadId"), part, in, length,
          () -> HexFormat.of().formatHex(md5.digest()));
    }
    ex.xml(200, XmlWriter.document("CopyPartResult")
        .element("LastModified", S3Exchange.isoDate(info.lastModifiedMs()))
        .element("ETag", "\"" + info.etag() + "\"").finish());
  }

  public void complete(S3Exchange ex) throws IOException {
    S3Request req = ex.request();
    JsonNode doc = ex.xmlBody();
    List<PartRef> parts = new ArrayList<>();
    for (JsonNode p : XmlReader.children(doc, "Part")) {
      String n = XmlReader.text(p, "PartNumber");
      String etag = XmlReader.text(p, "ETag");
      if (n == null || etag == null) {
        throw new S3Exception(S3ErrorCode.MALFORMED_XML, "each Part needs PartNumber and ETag");
      }
      try {
        parts.add(new PartRef(Integer.parseInt(n.trim()), etag.replace("\"", "").trim()));
      } catch (NumberFormatException e) {
        throw new S3Exception(S3ErrorCode.MALFORMED_XML, "PartNumber is not a number: " + n);
      }
    }
    if (parts.isEmpty()) {
      throw new S3Exception(S3ErrorCode.MALFORMED_XML, "CompleteMultipartUpload lists no parts");
    }
    for (int i = 1; i < parts.size(); i++) {
      if (parts.get(i).partNumber() <= parts.get(i - 1).partNumber()) {
        throw new S3Exception(S3ErrorCode.INVALID_PART_ORDER);
      }
    }
    ObjectInfo info = backend.completeUpload(req.bucket(), req.key(), req.query("uploadId"), parts);
    ex.xml(200, XmlWriter.document("CompleteMultipartUploadResult")
        .element("Location", "/" + req.bucket() + "/" + req.key())
        .element("Bucket", req.bucket()).element("Key", req.key())
        .element("ETag", "\"" + info.etag() + "\"").finish());
  }

  public void abort(S3Exchange ex) {
    S3Request req = ex.request();
    backend.abortUpload(req.bucket(), req.key(), req.query("uploadId"));
    ex.empty(204);
  }

  public void listParts(S3Exchange ex) {
    S3Request req = ex.request();
    int max = BucketHandlers.maxKeys(req.query("max-parts"));
    int marker = 0;
    try {
      marker = req.query("part-number-marker") == null ? 0 : Integer.parseInt(req.query("part-number-marker"));
    } catch (NumberFormatException e) {
      throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "part-number-marker must be an integer");
    }
    List<PartInfo> all = backend.listParts(req.bucket(), req.key(), req.query("uploadId"));
    List<PartInfo> page = new ArrayList<>();
    for (PartInfo p : all) {
      if (p.partNumber() > marker && page.size() < max) {
        page.add(p);
      }
    }
    boolean truncated = !page.isEmpty() && all.get(all.size() - 1).partNumber() > page.get(page.size() - 1).partNumber();
    XmlWriter w = XmlWriter.document("ListPartsResult")
        .element("Bucket", req.bucket()).element("Key", req.key()).element("UploadId", req.query("uploadId"))
        .element("PartNumberMarker", marker)
        .element("NextPartNumberMarker", page.isEmpty() ? marker : page.get(page.size() - 1).partNumber())
        .element("MaxParts", max).element("IsTruncated", truncated).element("StorageClass", "STANDARD");
    for (PartInfo p : page) {
      w.open("Part").element("PartNumber", p.partNumber())
          .element("LastModified", S3Exchange.isoDate(p.lastModifiedMs()))
          .element("ETag", "\"" + p.etag() + "\"").element("Size", p.size()).close("Part");
    }
    ex.xml(200, w.finish());
  }

  public void listUploads(S3Exchange ex) {
    S3Request req = ex.request();
    String prefix = req.query("prefix") == null ? "" : req.query("prefix");
    List<UploadInfo> uploads = backend.listUploads(req.bucket(), prefix);
    XmlWriter w = XmlWriter.document("ListMultipartUploadsResult")
        .element("Bucket", req.bucket()).element("KeyMarker", "").element("UploadIdMarker", "")
        .element("Prefix", prefix).element("MaxUploads", 1000).element("IsTruncated", false);
    for (UploadInfo u : uploads) {
      w.open("Upload").element("Key", u.key()).element("UploadId", u.uploadId())
          .open("Initiator").element("ID", BucketHandlers.OWNER_ID).element("DisplayName", BucketHandlers.OWNER_ID).close("Initiator")
          .open("Owner").element("ID", BucketHandlers.OWNER_ID).element("DisplayName", BucketHandlers.OWNER_ID).close("Owner")
          .element("StorageClass", "STANDARD").element("Initiated", S3Exchange.isoDate(u.initiatedMs())).close("Upload");
    }
    ex.xml(200, w.finish());
  }
}
