package io.granary.storage.ufs;

import java.io.InputStream;
import java.util.Optional;

/**
 * An under-storage: the store that is the source of truth for a mount (a local directory, an S3
 * bucket, an OSS bucket). Paths are relative to the mount's root, "/"-separated, without a leading
 * slash; "" is the root itself. Object stores emulate directories with key prefixes and
 * zero-byte "dir/" markers.
 *
 * <p>Methods block; callers run them on worker pools sized for the store. Failures are
 * {@link io.granary.error.UnderStorageException}s whose kind tells a miss from a refusal from an
 * outage; implementations never hang (every call has a timeout) and never return null.
 */
public interface UnderStorage extends AutoCloseable {

  /** The URI this connector serves, e.g. {@code s3://bucket/prefix}. */
  String uri();

  /** The file or directory at {@code path}, or empty if there is none. */
  Optional<UfsStatus> stat(String path);

  /**
   * One page of the immediate children of directory {@code dir}, in key order.
   *
   * @param continuationToken null for the first page, else {@link UfsListing#nextToken()} of the previous one
   * @param maxKeys           at most this many entries in the page
   */
  UfsListing list(String dir, String continuationToken, int maxKeys);

  /**
   * Reads {@code length} bytes (-1: to the end) of a file starting at {@code offset}. The stream
   * must be closed; it fails with an UnderStorageException if the store fails mid-way.
   */
  InputStream open(String path, long offset, long length);

  /**
   * Writes a whole file of exactly {@code length} bytes. It becomes visible complete or not at all
   * (a temp file and rename on local disk; a single PUT on object stores). Missing parent
   * directories are created.
   */
  void put(String path, InputStream data, long length);

  /** Creates a directory and its parents; succeeds if it exists. */
  void mkdirs(String path);

  /** Deletes a file or an empty directory; NOT_FOUND if there is none. */
  void delete(String path);

  /** Moves a file or a directory tree; on object stores this copies and deletes. */
  void rename(String src, String dst);

  @Override
  void close();
}
