package io.granary.storage.ufs.local;

import io.granary.error.InvalidArgumentException;
import io.granary.error.InvalidPathException;
import io.granary.error.UnderStorageException;
import io.granary.error.UnderStorageException.Kind;
import io.granary.storage.ufs.UfsListing;
import io.granary.storage.ufs.UfsPaths;
import io.granary.storage.ufs.UfsStatus;
import io.granary.storage.ufs.UnderStorage;
import io.granary.storage.ufs.support.KeyOrder;
import io.granary.storage.ufs.support.PutSource;
import io.granary.storage.ufs.support.UfsInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A directory on a local (or locally mounted) file system, {@code file:///abs/dir}.
 *
 * <p>A put writes a hidden temp file ({@value #TEMP_PREFIX}&lt;uuid&gt;) beside its target, syncs
 * it and renames it over the target, so readers see the old file or the new one, never a part;
 * listings skip temp files and such names are refused as paths. Listings are paged by the sort key
 * of the last entry returned: entries sort as object stores sort keys, by UTF-8 bytes with "/"
 * appended to directory names, so every connector pages in the same order.
 */
public final class LocalUnderStorage implements UnderStorage {
  static final String TEMP_PREFIX = ".granary-tmp-";
  /** How long a put waits for its directory's create lock before creating without it. */
  private static final long CREATE_WAIT_MS = 100;

  /** Striped by directory: see {@link #createTemp}. */
  private final ReentrantLock[] createLocks = new ReentrantLock[256];
  private final String uri;
  private final Path root;

  private final boolean fsync;

  public LocalUnderStorage(URI uri) {
    this(uri, true);
  }

  /**
   * @param fsync whether a put forces its data to disk before it becomes visible (mount option
   *              {@code fsync}, default true; off trades durability on power loss for speed)
   */
  public LocalUnderStorage(URI uri, boolean fsync) {
    this.fsync = fsync;
    Arrays.setAll(createLocks, i -> new ReentrantLock());
    if (!"file".equalsIgnoreCase(uri.getScheme())) {
      throw new InvalidArgumentException("not a file URI: " + uri);
    }
    try {
      this.root = Path.of(uri).toAbsolutePath().normalize();
    } catch (IllegalArgumentException e) {
      throw new InvalidArgumentException("unusable file URI " + uri + ": " + e.getMessage());
    }
    this.uri = root.toUri().toString();
    if (!Files.isDirectory(root)) {
      throw new UnderStorageException(Kind.NOT_FOUND, "no directory at " + root, null);
    }
  }

  @Override
  public String uri() {
    return uri;
  }

  @Override
  public Optional<UfsStatus> stat(String path) {
    Path file = resolve(path);
    try {
      return Optional.of(status(UfsPaths.name(path), Files.readAttributes(file, BasicFileAttributes.class)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw translate(e, "stat " + path);
    }
  }

  @Override
  public UfsListing list(String dir, String continuationToken, int maxKeys) {
    if (maxKeys <= 0) {
      throw new InvalidArgumentException("maxKeys must be positive: " + maxKeys);
    }
    Path directory = resolve(dir);
    List<Entry> entries = new ArrayList<>();
    try (DirectoryStream<Path> children = Files.newDirectoryStream(directory)) {
      for (Path child : children) {
        String name = child.getFileName().toString();
        if (name.startsWith(TEMP_PREFIX)) {
          continue;
        }
        BasicFileAttributes attributes;
        try {
          attributes = Files.readAttributes(child, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
          continue; // deleted while we listed
        }
        Entry entry = new Entry(status(name, attributes));
        if (continuationToken == null || KeyOrder.compare(entry.sortKey, continuationToken) > 0) {
          entries.add(entry);
        }
      }
    } catch (NotDirectoryException e) {
      throw new UnderStorageException(Kind.NOT_FOUND, "not a directory: " + dir, e);
    } catch (IOException e) {
      throw translate(e, "list " + dir);
    }
    entries.sort((a, b) -> KeyOrder.compare(a.sortKey, b.sortKey));
    if (entries.size() <= maxKeys) {
      return new UfsListing(entries.stream().map(Entry::status).toList(), null);
    }
    List<Entry> page = entries.subList(0, maxKeys);
    return new UfsListing(page.stream().map(Entry::status).toList(), page.get(maxKeys - 1).sortKey);
  }

  @Override
  public InputStream open(String path, long offset, long length) {
    checkRange(offset, length);
    Path file = resolve(path);
    FileChannel channel;
    try {
      if (Files.isDirectory(file)) {
        throw new UnderStorageException(Kind.OTHER, "is a directory: " + path, null);
      }
      channel = FileChannel.open(file, StandardOpenOption.READ);
    } catch (IOException e) {
      throw translate(e, "open " + path);
    }
    try {
      channel.position(offset);
      InputStream in = Channels.newInputStream(channel);
      if (length >= 0) {
        in = new BoundedInputStream(in, length);
      }
      return new UfsInputStream(in, () -> {}, e -> translate(e, "read " + path));
    } catch (IOException e) {
      closeQuietly(channel);
      throw translate(e, "open " + path);
    }
  }

  @Override
  public void put(String path, InputStream data, long length) {
    PutSource source = PutSource.of(data, length);
    Path target = resolve(path);
    if (path.isEmpty()) {
      throw new InvalidPathException("cannot put to the root");
    }
    Path temp = target.resolveSibling(TEMP_PREFIX + UUID.randomUUID());
    try {
      if (!Files.isDirectory(target.getParent())) { // a stat; mkdir of an existing directory locks its parent and throws
        Files.createDirectories(target.getParent());
      }
      try (FileChannel channel = createTemp(temp)) {
        source.copyTo(channel); // file to file in the kernel when the data is in files (cache blocks, a spool)
        if (fsync) {
          channel.force(false); // fdatasync: the data and the size, not the times
        }
      }
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      deleteQuietly(temp);
      throw source.failureOr(translate(e, "put " + path));
    } catch (RuntimeException e) {
      deleteQuietly(temp);
      throw source.failureOr(e);
    }
  }

  /**
   * Creates a put's temp file, one create per directory at a time where it can. ext4 without a
   * journal (these machines' root file systems) scans the inodes freed in the last minute on every
   * create while it holds the directory's lock, and the kernel's waiters for that lock spin on the
   * other cores; waiting here parks them instead (100 KiB PUTs +22-28% in alternating S3 benchmark
   * runs). The locks are striped, so two directories may share one; and a create that hangs (a
   * stalled network mount) holds its stripe, so a put waits at most {@value #CREATE_WAIT_MS} ms
   * and then creates without it.
   */
  private FileChannel createTemp(Path temp) throws IOException {
    ReentrantLock lock = createLocks[Math.floorMod(temp.getParent().hashCode(), createLocks.length)];
    boolean locked;
    try {
      locked = lock.tryLock(CREATE_WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      locked = false;
    }
    try {
      return FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } finally {
      if (locked) {
        lock.unlock();
      }
    }
  }

  @Override
  public void mkdirs(String path) {
    try {
      Files.createDirectories(resolve(path));
    } catch (IOException e) {
      throw translate(e, "mkdirs " + path);
    }
  }

  @Override
  public void delete(String path) {
    if (path.isEmpty()) {
      throw new InvalidPathException("cannot delete the root");
    }
    try {
      Files.delete(resolve(path));
    } catch (IOException e) {
      throw translate(e, "delete " + path);
    }
  }

  @Override
  public void rename(String src, String dst) {
    Path from = resolve(src);
    Path to = resolve(dst);
    if (src.isEmpty() || dst.isEmpty()) {
      throw new InvalidPathException("cannot rename the root");
    }
    if (UfsPaths.isSameOrBelow(dst, src)) {
      throw new InvalidArgumentException("cannot move " + src + " into itself: " + dst);
    }
    try {
      if (!Files.exists(from)) {
        throw new NoSuchFileException(src);
      }
      Files.createDirectories(to.getParent());
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw translate(e, "rename " + src + " to " + dst);
    }
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "LocalUnderStorage[" + uri + "]";
  }

  private Path resolve(String path) {
    UfsPaths.check(path);
    if (UfsPaths.name(path).startsWith(TEMP_PREFIX)) {
      throw new InvalidPathException("reserved name: " + path);
    }
    return path.isEmpty() ? root : root.resolve(path);
  }

  private static UfsStatus status(String name, BasicFileAttributes attributes) {
    boolean directory = attributes.isDirectory();
    return new UfsStatus(name, directory, directory ? 0 : attributes.size(), attributes.lastModifiedTime().toMillis(), "");
  }

  static void checkRange(long offset, long length) {
    if (offset < 0 || length < -1) {
      throw new InvalidArgumentException("invalid range: offset " + offset + ", length " + length);
    }
  }

  /** The one place where file-system errors become under-storage errors. */
  private static UnderStorageException translate(IOException e, String what) {
    Kind kind;
    String reason;
    if (e instanceof NoSuchFileException) {
      kind = Kind.NOT_FOUND;
      reason = "no such file or directory";
    } else if (e instanceof AccessDeniedException) {
      kind = Kind.ACCESS_DENIED;
      reason = "permission denied";
    } else if (e instanceof DirectoryNotEmptyException) {
      kind = Kind.OTHER;
      reason = "directory not empty";
    } else if (e instanceof FileAlreadyExistsException) {
      kind = Kind.OTHER;
      reason = "a file is in the way";
    } else if (e instanceof NotDirectoryException) {
      kind = Kind.OTHER;
      reason = "not a directory";
    } else {
      kind = Kind.OTHER;
      reason = String.valueOf(e.getMessage());
    }
    return new UnderStorageException(kind, what + ": " + reason, e);
  }

  private static void deleteQuietly(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // A leftover temp file is hidden from listings; nothing better to do here.
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // already failing
    }
  }

  private record Entry(UfsStatus status, String sortKey) {
    Entry(UfsStatus status) {
      this(status, status.directory() ? status.name() + "/" : status.name());
    }
  }
}
