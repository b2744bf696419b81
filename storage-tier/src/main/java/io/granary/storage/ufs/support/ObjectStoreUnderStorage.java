package io.granary.storage.ufs.support;

import io.granary.error.InvalidArgumentException;
import io.granary.error.InvalidPathException;
import io.granary.error.UnderStorageException;
import io.granary.error.UnderStorageException.Kind;
import io.granary.storage.ufs.UfsListing;
import io.granary.storage.ufs.UfsPaths;
import io.granary.storage.ufs.UfsStatus;
import io.granary.storage.ufs.UnderStorage;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Directories over a flat key space, written once for every object store. A subclass supplies a
 * handful of object calls for its SDK and translates that SDK's errors in one place.
 *
 * <p>The mapping: path {@code a/b} is key {@code <prefix>a/b}; directory {@code a} exists when some
 * key starts with {@code <prefix>a/}, and {@code mkdirs} writes the zero-byte marker
 * {@code <prefix>a/} so an empty directory exists too. Listings ask for delimiter "/", so
 * subdirectories come back as common prefixes; keys whose last component is not a valid path
 * component (say {@code a//b}) are left out. A rename copies and then deletes, key by key, so it
 * is neither atomic nor cheap for large trees; objects above the store's single-copy limit
 * (5 GiB) would need multipart copies, which are not implemented.
 */
public abstract class ObjectStoreUnderStorage implements UnderStorage {
  /** At most this many keys per batch delete, the limit of S3 and OSS. */
  protected static final int DELETE_BATCH = 1000;

  private static final int WALK_PAGE = 1000;

  /** What a HEAD or a listing says about one object. */
  public record ObjectInfo(String key, long length, long mtimeMs, String etag) {}

  /** One page of keys below a prefix. */
  public record KeyPage(List<ObjectInfo> objects, List<String> commonPrefixes, String nextToken) {}

  private final String uri;
  private final String bucket;
  private final String prefix;

  /**
   * @param uri {@code scheme://bucket/optional/prefix}
   */
  protected ObjectStoreUnderStorage(URI uri, String scheme) {
    if (!scheme.equalsIgnoreCase(uri.getScheme()) || uri.getAuthority() == null || uri.getAuthority().isEmpty()) {
      throw new InvalidArgumentException("expected " + scheme + "://bucket/prefix, got " + uri);
    }
    if (uri.getQuery() != null || uri.getFragment() != null) {
      throw new InvalidArgumentException("no query or fragment allowed in " + uri);
    }
    this.bucket = uri.getAuthority();
    String path = uri.getPath() == null ? "" : uri.getPath();
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    try {
      UfsPaths.check(path);
    } catch (InvalidPathException e) {
      throw new InvalidArgumentException("invalid key prefix in " + uri + ": " + e.getMessage());
    }
    this.prefix = path.isEmpty() ? "" : path + "/";
    this.uri = scheme + "://" + bucket + (path.isEmpty() ? "" : "/" + path);
  }

  protected final String bucket() {
    return bucket;
  }

  @Override
  public final String uri() {
    return uri;
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + uri + "]";
  }

  // ---- what a subclass supplies; each throws UnderStorageExceptions from its one translator ----

  /** The bucket can be reached and exists. */
  protected abstract boolean bucketExists();

  /** HEAD of one key; empty if there is no such object. */
  protected abstract Optional<ObjectInfo> headObject(String key);

  /** One page of keys starting with {@code keyPrefix}; with a delimiter, deeper keys fold into common prefixes. */
  protected abstract KeyPage listKeys(String keyPrefix, String delimiter, String token, int maxKeys);

  /**
   * The bytes {@code [offset, offset + length)} ({@code length} -1: to the end, {@code length} > 0
   * otherwise); an empty stream if {@code offset} is at or past the end of the object.
   */
  protected abstract InputStream getObject(String key, long offset, long length);

  /** One PUT of exactly {@code data.length()} bytes. */
  protected abstract void putObject(String key, PutSource data);

  /** A server-side copy within the bucket. */
  protected abstract void copyObject(String srcKey, String dstKey);

  /** Deletes up to {@link #DELETE_BATCH} keys; keys that are already gone are not an error. */
  protected abstract void deleteObjects(List<String> keys);

  // ---- the UnderStorage contract over those calls ----

  @Override
  public Optional<UfsStatus> stat(String path) {
    UfsPaths.check(path);
    if (path.isEmpty()) {
      return bucketExists() ? Optional.of(directory("")) : Optional.empty();
    }
    Optional<ObjectInfo> object = headObject(key(path));
    if (object.isPresent()) {
      return Optional.of(file(UfsPaths.name(path), object.get()));
    }
    KeyPage below = listKeys(dirKey(path), null, null, 1);
    return below.objects().isEmpty() && below.commonPrefixes().isEmpty()
        ? Optional.empty()
        : Optional.of(directory(UfsPaths.name(path)));
  }

  @Override
  public UfsListing list(String dir, String continuationToken, int maxKeys) {
    UfsPaths.check(dir);
    if (maxKeys <= 0) {
      throw new InvalidArgumentException("maxKeys must be positive: " + maxKeys);
    }
    String dirKey = dirKey(dir);
    KeyPage page = listKeys(dirKey, "/", continuationToken, maxKeys);
    boolean sawMarker = false;
    List<Keyed> entries = new ArrayList<>();
    for (ObjectInfo object : page.objects()) {
      if (object.key().equals(dirKey)) {
        sawMarker = true;
        continue;
      }
      String name = object.key().substring(dirKey.length());
      if (isValidName(name)) {
        entries.add(new Keyed(object.key(), file(name, object)));
      }
    }
    for (String commonPrefix : page.commonPrefixes()) {
      String name = commonPrefix.substring(dirKey.length(), commonPrefix.length() - 1);
      if (isValidName(name)) {
        entries.add(new Keyed(commonPrefix, directory(name)));
      }
    }
    if (continuationToken == null && entries.isEmpty() && !sawMarker && page.nextToken() == null && !dir.isEmpty()) {
      throw new UnderStorageException(Kind.NOT_FOUND, "no directory " + dir + " in " + uri, null);
    }
    entries.sort((a, b) -> KeyOrder.compare(a.key, b.key));
    return new UfsListing(entries.stream().map(Keyed::status).toList(), page.nextToken());
  }

  @Override
  public InputStream open(String path, long offset, long length) {
    UfsPaths.check(path);
    if (offset < 0 || length < -1) {
      throw new InvalidArgumentException("invalid range: offset " + offset + ", length " + length);
    }
    if (path.isEmpty()) {
      throw new UnderStorageException(Kind.OTHER, "cannot open the root of " + uri, null);
    }
    if (length == 0) {
      if (headObject(key(path)).isEmpty()) {
        throw new UnderStorageException(Kind.NOT_FOUND, "no object " + path + " in " + uri, null);
      }
      return UfsInputStream.empty();
    }
    return getObject(key(path), offset, length);
  }

  @Override
  public void put(String path, InputStream data, long length) {
    UfsPaths.check(path);
    if (path.isEmpty()) {
      throw new InvalidPathException("cannot put to the root");
    }
    putObject(key(path), PutSource.of(data, length));
  }

  @Override
  public void mkdirs(String path) {
    UfsPaths.check(path);
    if (!path.isEmpty()) {
      putObject(dirKey(path), PutSource.of(InputStream.nullInputStream(), 0));
    }
  }

  @Override
  public void delete(String path) {
    UfsPaths.check(path);
    if (path.isEmpty()) {
      throw new InvalidPathException("cannot delete the root");
    }
    if (headObject(key(path)).isPresent()) {
      deleteObjects(List.of(key(path)));
      return;
    }
    String dirKey = dirKey(path);
    KeyPage below = listKeys(dirKey, null, null, 2);
    List<ObjectInfo> objects = below.objects();
    if (objects.isEmpty()) {
      throw new UnderStorageException(Kind.NOT_FOUND, "no file or directory " + path + " in " + uri, null);
    }
    if (objects.size() > 1 || !objects.get(0).key().equals(dirKey)) {
      throw new UnderStorageException(Kind.OTHER, "directory not empty: " + path, null);
    }
    deleteObjects(List.of(dirKey));
  }

  @Override
  public void rename(String src, String dst) {
    UfsPaths.check(src);
    UfsPaths.check(dst);
    if (src.isEmpty() || dst.isEmpty()) {
      throw new InvalidPathException("cannot rename the root");
    }
    if (UfsPaths.isSameOrBelow(dst, src)) {
      throw new InvalidArgumentException("cannot move " + src + " into itself: " + dst);
    }
    if (headObject(key(src)).isPresent()) {
      copyObject(key(src), key(dst));
      deleteObjects(List.of(key(src)));
      return;
    }
    String from = dirKey(src);
    String to = dirKey(dst);
    List<String> moved = new ArrayList<>();
    String token = null;
    do {
      KeyPage page = listKeys(from, null, token, WALK_PAGE);
      for (ObjectInfo object : page.objects()) {
        copyObject(object.key(), to + object.key().substring(from.length()));
        moved.add(object.key());
      }
      token = page.nextToken();
    } while (token != null);
    if (moved.isEmpty()) {
      throw new UnderStorageException(Kind.NOT_FOUND, "no file or directory " + src + " in " + uri, null);
    }
    for (int i = 0; i < moved.size(); i += DELETE_BATCH) {
      deleteObjects(moved.subList(i, Math.min(moved.size(), i + DELETE_BATCH)));
    }
  }

  private String key(String path) {
    return prefix + path;
  }

  private String dirKey(String path) {
    return path.isEmpty() ? prefix : prefix + path + "/";
  }

  private static boolean isValidName(String name) {
    return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('\0') < 0;
  }

  private static UfsStatus file(String name, ObjectInfo object) {
    return new UfsStatus(name, false, object.length(), object.mtimeMs(), object.etag());
  }

  private static UfsStatus directory(String name) {
    return new UfsStatus(name, true, 0, 0, "");
  }

  /** Strips the quotes stores put around ETags. */
  protected static String unquote(String etag) {
    if (etag == null) {
      return "";
    }
    return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"") ? etag.substring(1, etag.length() - 1) : etag;
  }

  private record Keyed(String key, UfsStatus status) {}
}
