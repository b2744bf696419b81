package io.granary.s3;

import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the S3 protocol layer needs from storage. The gateway implements it on its engine. Methods
 * block (the protocol layer calls them on worker threads) and fail with {@link S3Exception}.
 */
public interface S3Backend {

  // ---- buckets ----------------------------------------------------------------------------

  List<BucketInfo> listBuckets();

  /** Creates a bucket; BUCKET_ALREADY_OWNED_BY_YOU if it exists. */
  void createBucket(String bucket);

  /** Deletes an empty bucket; BUCKET_NOT_EMPTY otherwise. */
  void deleteBucket(String bucket);

  /** NO_SUCH_BUCKET if absent. */
  BucketInfo headBucket(String bucket);

  // ---- objects ----------------------------------------------------------------------------

  /** One page of keys in UTF-8 byte order. */
  ListResult list(String bucket, ListQuery query);

  /** Metadata of an object; NO_SUCH_KEY if absent. */
  ObjectInfo head(String bucket, String key);

  /**
   * Bytes of an object. If the range lies in one cached block, {@link ObjectData#file()} names it
   * so the caller can send it with sendfile; otherwise {@link ObjectData#stream()} yields the bytes.
   */
  ObjectData get(String bucket, String key, long offset, long length, Map<String, String> options);

  /** Like {@link #get(String, String, long, long, Map)} for an object just returned by {@link #head}. */
  default ObjectData get(ObjectInfo info, String bucket, String key, long offset, long length, Map<String, String> options) {
    return get(bucket, key, offset, length, options);
  }

  /**
   * Stores an object from {@code body} (already decoded and verified). {@code finalMetadata} is
   * called once the body was read completely and gives what depends on it (ETag, checksums).
   */
  ObjectInfo put(String bucket, String key, InputStream body, long length, ObjectMetadata metadata,
      Map<String, String> options, java.util.function.Supplier<Map<String, String>> finalMetadata);

  /**
   * The object's metadata if the backend can tell without blocking (no under-storage call), for
   * serving cached reads on the event loop; empty means "ask {@link #head} on a worker".
   */
  default Optional<ObjectInfo> headIfCached(String bucket, String key) {
    return Optional.empty();
  }

  /**
   * The block file that holds a range whole, if it is cached, without blocking; the position of
   * the range in it is {@link ObjectData#fileOffset()}.
   */
  default Optional<ObjectData> fileIfCached(ObjectInfo info, long offset, long length) {
    return Optional.empty();
  }

  /** Deletes an object; deleting a missing key succeeds (S3 semantics). */
  void delete(String bucket, String key);

  /** Replaces the user-visible metadata of an object (tags, or COPY with REPLACE onto itself). */
  ObjectInfo updateMetadata(String bucket, String key, Map<String, String> attributes);

  // ---- multipart --------------------------------------------------------------------------

  String createUpload(String bucket, String key, ObjectMetadata metadata);

  PartInfo uploadPart(String bucket, String key, String uploadId, int partNumber, InputStream body, long length,
      java.util.function.Supplier<String> etag);

  ObjectInfo completeUpload(String bucket, String key, String uploadId, List<PartRef> parts);

  void abortUpload(String bucket, String key, String uploadId);

  List<PartInfo> listParts(String bucket, String key, String uploadId);

  List<UploadInfo> listUploads(String bucket, String prefix);

  // ---- records ----------------------------------------------------------------------------

  record BucketInfo(String name, long createdMs) {}

  /**
   * A listing request.
   *
   * @param prefix     keys must start with it ("" for all)
   * @param delimiter  null or "" for a flat listing; "/" groups keys into common prefixes
   * @param startAfter return keys after this one (marker, decoded continuation token or start-after)
   * @param maxKeys    at most this many keys and common prefixes together
   */
  record ListQuery(String prefix, String delimiter, String startAfter, int maxKeys) {}

  /**
   * @param objects        the keys, in order
   * @param commonPrefixes grouped prefixes, in order
   * @param truncated      whether more follow
   * @param nextMarker     the last key or prefix returned when truncated
   */
  record ListResult(List<ObjectInfo> objects, List<String> commonPrefixes, boolean truncated, String nextMarker) {}

  /**
   * @param attributes stored attributes: content-type, content-encoding, ..., x-amz-meta-*, tags, checksums
   * @param handle     the backend's own reference to the object (lets a GET after a HEAD skip a lookup); may be null
   */
  record ObjectInfo(String key, long size, long lastModifiedMs, String etag, Map<String, String> attributes, Object handle) {
    public ObjectInfo(String key, long size, long lastModifiedMs, String etag, Map<String, String> attributes) {
      this(key, size, lastModifiedMs, etag, attributes, null);
    }
  }

  /** Metadata sent with a PUT or CreateMultipartUpload: system headers and x-amz-meta-* as given. */
  record ObjectMetadata(Map<String, String> attributes) {}

  /**
   * What to send for a GET.
   *
   * @param info   the object, if the backend looked it up again (may be null)
   * @param file   a cached block file holding the whole requested range, at {@code fileOffset}
   * @param stream the bytes when there is no single file
   */
  record ObjectData(ObjectInfo info, Optional<Path> file, long fileOffset, InputStream stream) {}

  record PartRef(int partNumber, String etag) {}

  record PartInfo(int partNumber, long size, String etag, long lastModifiedMs) {}

  record UploadInfo(String key, String uploadId, long initiatedMs) {}
}
