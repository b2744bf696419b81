package io.granary.gateway.s3;

import io.granary.engine.FileInfo;
import io.granary.engine.GranaryEngine;
import io.granary.engine.MultipartUploads;
import io.granary.engine.ReadType;
import io.granary.engine.WriteOptions;
import io.granary.engine.WriteType;
import io.granary.error.AlreadyExistsException;
import io.granary.error.GranaryException;
import io.granary.error.NotFoundException;
import io.granary.s3.S3Backend;
import io.granary.s3.S3ErrorCode;
import io.granary.s3.S3Exception;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The S3 view of the engine's namespace: top-level directories are buckets, keys are paths below
 * them. Engine errors become S3 errors in {@link S3Errors}; nothing here speaks HTTP.
 */
public final class EngineS3Backend implements S3Backend {
  /** S3's minimum size of every part but the last. */
  static final long MIN_PART = 5L << 20;
  private static final String EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";
  /**
   * Attribute of a directory created by PUT of a "dir/" key. Only such directories show in
   * listings as empty "dir/" objects; directories that exist because keys lie below them vanish
   * with their last key, as S3 prefixes do.
   */
  static final String DIR_MARKER = "s3-dir-marker";

  private final GranaryEngine engine;
  private final S3Lister lister;

  public EngineS3Backend(GranaryEngine engine) {
    this.engine = engine;
    this.lister = new S3Lister(engine, this::toObject);
  }

  private static String path(String bucket, String key) {
    String k = key.endsWith("/") ? key.substring(0, key.length() - 1) : key;
    return "/" + bucket + (k.isEmpty() ? "" : "/" + k);
  }

  private void requireBucket(String bucket) {
    try {
      if (!engine.stat("/" + bucket).isDirectory()) {
        throw new S3Exception(S3ErrorCode.NO_SUCH_BUCKET, "no such bucket: " + bucket);
      }
    } catch (NotFoundException e) {
      throw new S3Exception(S3ErrorCode.NO_SUCH_BUCKET, "no such bucket: " + bucket);
    } catch (GranaryException e) {
      throw new S3Exception(S3ErrorCode.NO_SUCH_BUCKET, "no such bucket: " + bucket);
    }
  }

  ObjectInfo toObject(FileInfo f) {
    String full = f.path();
    int second = full.indexOf('/', 1);
    String key = second < 0 ? "" : full.substring(second + 1);
    if (f.isDirectory()) {
      return new ObjectInfo(key + "/", 0, f.mtimeMs(), EMPTY_MD5, Map.of());
    }
    return new ObjectInfo(key, f.length(), f.mtimeMs(), etagOf(f), f.attributes(), f);
  }

  /** The stored MD5 ETag, the under-storage's ETag, or a stable digest of the file's fingerprint. */
  private static String etagOf(FileInfo f) {
    String stored = f.attributes().get("etag");
    if (stored != null) {
      return stored;
    }
    String fp = f.fingerprint();
    int bar = fp.indexOf('|');
    String ufsEtag = bar > 0 ? fp.substring(0, bar).replace("\"", "") : "";
    if (!ufsEtag.isEmpty()) {
      return ufsEtag;
    }
    return HexFormat.of().formatHex(md5().digest((f.id() + "|" + fp + "|" + f.length()).getBytes(StandardCharsets.UTF_8)));
  }

  static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- buckets ----------------------------------------------------------------------------

  @Override
  public List<BucketInfo> listBuckets() {
    List<BucketInfo> out = new ArrayList<>();
    String after = "";
    while (true) {
      List<FileInfo> page = engine.list("/", after, 1000);
      for (FileInfo f : page) {
        if (f.isDirectory()) {
          out.add(new BucketInfo(f.name(), f.mtimeMs()));
        }
      }
      if (page.size() < 1000) {
        return out;
      }
      after = page.get(page.size() - 1).name();
    }
  }

  @Override
  public void createBucket(String bucket) {
    try {
      engine.mkdir("/" + bucket, false);
    } catch (AlreadyExistsException e) {
      throw new S3Exception(S3ErrorCode.BUCKET_ALREADY_OWNED_BY_YOU, "bucket " + bucket + " already exists");
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    }
  }

  @Override
  public void deleteBucket(String bucket) {
    requireBucket(bucket);
    boolean hasKeys = !lister.list(bucket, new ListQuery("", "", "", 1)).objects().isEmpty();
    if (hasKeys || !engine.uploads("/" + bucket + "/").isEmpty()) {
      throw new S3Exception(S3ErrorCode.BUCKET_NOT_EMPTY, "bucket " + bucket + " is not empty");
    }
    try {
      engine.delete("/" + bucket, true); // only empty directories can be left
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    }
  }

  @Override
  public BucketInfo headBucket(String bucket) {
    requireBucket(bucket);
    return new BucketInfo(bucket, engine.stat("/" + bucket).mtimeMs());
  }

  // ---- objects ----------------------------------------------------------------------------

  @Override
  public ListResult list(String bucket, ListQuery query) {
    requireBucket(bucket);
    try {
      return lister.list(bucket, query);
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    }
  }

  @Override
  public ObjectInfo head(String bucket, String key) {
    FileInfo f;
    try {
      f = engine.stat(path(bucket, key));
    } catch (GranaryException e) {
      requireBucket(bucket); // a missing bucket is NoSuchBucket, not NoSuchKey
      throw S3Errors.forObject(e);
    }
    if (f.isDirectory() != key.endsWith("/")) {
      requireBucket(bucket);
      throw new S3Exception(S3ErrorCode.NO_SUCH_KEY, "no such key: " + key);
    }
    return toObject(f);
  }

  @Override
  public ObjectData get(String bucket, String key, long offset, long length, Map<String, String> options) {
    return get(null, bucket, key, offset, length, options);
  }

  @Override
  public Optional<ObjectInfo> headIfCached(String bucket, String key) {
    if (key.endsWith("/")) {
      return Optional.empty();
    }
    return engine.statIfKnown(path(bucket, key)).filter(f -> !f.isDirectory()).map(this::toObject);
  }

  @Override
  public Optional<ObjectData> fileIfCached(ObjectInfo info, long offset, long length) {
    if (!(info.handle() instanceof FileInfo f)) {
      return Optional.empty();
    }
    return engine.cachedRange(f, offset, length)
        .map(c -> new ObjectData(info, Optional.of(c.file()), c.offsetInFile(), null));
  }

  @Override
  public ObjectData get(ObjectInfo info, String bucket, String key, long offset, long length, Map<String, String> options) {
    try {
      String p = path(bucket, key);
      if (!"false".equals(options.get("zero-copy"))) {
        Optional<GranaryEngine.CachedRange> cached = info != null && info.handle() instanceof FileInfo f
            ? engine.cachedRange(f, offset, length) : engine.cachedRange(p, offset, length);
        if (cached.isPresent()) {
          return new ObjectData(info, Optional.of(cached.get().file()), cached.get().offsetInFile(), null);
        }
      }
      String rt = options.get("read-type");
      InputStream in = engine.read(p, offset, length, rt == null ? null : ReadType.parse(rt));
      return new ObjectData(info, Optional.empty(), 0, in);
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    }
  }

  @Override
  public ObjectInfo put(String bucket, String key, InputStream body, long length, ObjectMetadata metadata,
      Map<String, String> options, Supplier<Map<String, String>> finalMetadata) {
    requireBucket(bucket);
    try {
      if (key.endsWith("/")) {
        if (length != 0) {
          throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "a key ending in '/' is a directory marker and must be empty");
        }
        if (body.read() >= 0) {
          throw new S3Exception(S3ErrorCode.INVALID_ARGUMENT, "a directory marker must be empty");
        }
        engine.mkdir(path(bucket, key), true);
        return toObject(engine.updateAttributes(path(bucket, key), Map.of(DIR_MARKER, "true")));
      }
      String wt = options.get("write-type");
      WriteOptions o = WriteOptions.defaults()
          .withWriteType(wt == null ? null : WriteType.parse(wt))
          .withAttributes(metadata.attributes())
          .withLateAttributes(finalMetadata);
      return toObject(engine.write(path(bucket, key), body, length, o));
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void delete(String bucket, String key) {
    requireBucket(bucket);
    try {
      FileInfo f = engine.stat(path(bucket, key));
      if (f.isDirectory() != key.endsWith("/")) {
        return; // no such object; S3 deletes of missing keys succeed
      }
      if (f.isDirectory()) {
        Map<String, String> attrs = new LinkedHashMap<>(f.attributes());
        attrs.remove(DIR_MARKER);
        engine.updateAttributes(f.path(), attrs); // the "dir/" object is gone; keys below it stay
      } else {
        engine.delete(f.path(), false);
      }
      pruneEmptyParents(bucket, key.endsWith("/") ? key.substring(0, key.length() - 1) : key);
    } catch (NotFoundException e) {
      // already gone
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    }
  }

  /**
   * Removes the directories that held {@code key} (and the key itself if it was a directory)
   * while they are empty and not explicit "dir/" objects, stopping at the bucket.
   */
  private void pruneEmptyParents(String bucket, String key) {
    String k = key;
    while (!k.isEmpty()) {
      String p = "/" + bucket + "/" + k;
      try {
        FileInfo d = engine.stat(p);
        if (!d.isDirectory() || d.attributes().containsKey(DIR_MARKER) || d.mountPoint()
            || !engine.list(p, "", 1).isEmpty()) {
          return;
        }
        engine.delete(p, false);
      } catch (NotFoundException e) {
        // already gone: go on with its parent
      } catch (GranaryException e) {
        return; // filled again meanwhile, or not ours to remove
      }
      int slash = k.lastIndexOf('/');
      k = slash < 0 ? "" : k.substring(0, slash);
    }
  }

  @Override
  public ObjectInfo updateMetadata(String bucket, String key, Map<String, String> attributes) {
    ObjectInfo cur = head(bucket, key);
    Map<String, String> merged = new LinkedHashMap<>(attributes);
    cur.attributes().forEach((k, v) -> {
      if (k.equals("etag") || k.startsWith("x-amz-checksum-")) {
        merged.put(k, v); // content-derived: a metadata change keeps them
      }
    });
    try {
      return toObject(engine.updateAttributes(path(bucket, key), merged));
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    }
  }

  // ---- multipart --------------------------------------------------------------------------

  @Override
  public String createUpload(String bucket, String key, ObjectMetadata metadata) {
    requireBucket(bucket);
    try {
      return engine.createUpload(path(bucket, key), metadata.attributes(), null);
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    }
  }

  private MultipartUploads.Upload upload(String bucket, String key, String uploadId) {
    try {
      MultipartUploads.Upload u = engine.upload(uploadId);
      if (!u.path().equals(path(bucket, key))) {
        throw new NotFoundException("upload " + uploadId + " is not for " + key);
      }
      return u;
    } catch (NotFoundException e) {
      throw new S3Exception(S3ErrorCode.NO_SUCH_UPLOAD, "no such upload: " + uploadId);
    }
  }

  @Override
  public PartInfo uploadPart(String bucket, String key, String uploadId, int partNumber, InputStream body, long length,
      Supplier<String> etag) {
    upload(bucket, key, uploadId);
    try {
      MultipartUploads.Part p = engine.writePart(uploadId, partNumber, body, length, etag);
      return new PartInfo(p.number(), p.size(), p.etag(), p.modifiedMs());
    } catch (NotFoundException e) {
      throw new S3Exception(S3ErrorCode.NO_SUCH_UPLOAD, "no such upload: " + uploadId);
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public ObjectInfo completeUpload(String bucket, String key, String uploadId, List<PartRef> parts) {
    upload(bucket, key, uploadId);
    Map<Integer, MultipartUploads.Part> stored = new LinkedHashMap<>();
    for (MultipartUploads.Part p : engine.uploadParts(uploadId)) {
      stored.put(p.number(), p);
    }
    MessageDigest md5 = md5();
    List<Integer> numbers = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      PartRef ref = parts.get(i);
      MultipartUploads.Part p = stored.get(ref.partNumber());
      if (p == null || !p.etag().equals(ref.etag())) {
        throw new S3Exception(S3ErrorCode.INVALID_PART, "part " + ref.partNumber() + " was not uploaded or its ETag differs");
      }
      if (i < parts.size() - 1 && p.size() < MIN_PART) {
        throw new S3Exception(S3ErrorCode.ENTITY_TOO_SMALL, "part " + p.number() + " is " + p.size()
            + " bytes; every part but the last must be at least 5 MiB");
      }
      md5.update(HexFormat.of().parseHex(p.etag()));
      numbers.add(p.number());
    }
    String etag = HexFormat.of().formatHex(md5.digest()) + "-" + parts.size();
    try {
      return toObject(engine.completeUpload(uploadId, numbers, Map.of("etag", etag)));
    } catch (GranaryException e) {
      throw S3Errors.forObject(e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void abortUpload(String bucket, String key, String uploadId) {
    upload(bucket, key, uploadId);
    engine.abortUpload(uploadId);
  }

  @Override
  public List<PartInfo> listParts(String bucket, String key, String uploadId) {
    upload(bucket, key, uploadId);
    return engine.uploadParts(uploadId).stream()
        .map(p -> new PartInfo(p.number(), p.size(), p.etag(), p.modifiedMs())).toList();
  }

  @Override
  public List<UploadInfo> listUploads(String bucket, String prefix) {
    requireBucket(bucket);
    String base = "/" + bucket + "/";
    return engine.uploads(base + prefix).stream()
        .map(u -> new UploadInfo(u.path().substring(base.length()), u.id(), u.initiatedMs())).toList();
  }
}
