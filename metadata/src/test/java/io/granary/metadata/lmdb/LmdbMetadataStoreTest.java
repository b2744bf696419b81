package io.granary.metadata.lmdb;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.error.AlreadyExistsException;
import io.granary.error.InvalidPathException;
import io.granary.metadata.BlockIds;
import io.granary.metadata.BlockRecord;
import io.granary.metadata.DirEntry;
import io.granary.metadata.Inode;
import io.granary.metadata.MountEntry;
import io.granary.metadata.Table;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmdbMetadataStoreTest {
  @TempDir Path dir;

  private static long mkfile(LmdbMetadataStore store, long parent, String name, long length) {
    return store.write(txn -> {
      if (txn.lookup(parent, name).isPresent()) {
        throw new AlreadyExistsException(name);
      }
      long id = txn.newInodeId();
      txn.putInode(Inode.file(id, parent, name, length, 1000, 64 << 20, true));
      txn.link(parent, name, id);
      return id;
    });
  }

  @Test
  void rootExistsAndRecordsRoundTrip() {
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      Inode root = store.read(v -> v.inode(Inode.ROOT_ID)).orElseThrow();
      assertTrue(root.isDirectory());
      Inode withAttrs = Inode.file(42, 1, "naïve 文件.jpg", 123, 5, 4096, false)
          .withAttributes(Map.of("content-type", "image/jpeg", "x-amz-meta-a", "b"))
          .withPinned(true);
      store.write(txn -> {
        txn.putInode(withAttrs);
        return null;
      });
      assertEquals(withAttrs, store.read(v -> v.inode(42)).orElseThrow());
    }
  }

  @Test
  void listingIsInUtf8ByteOrderAndPages() {
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      List<String> names = List.of("b", "a", "ä", "Z", "a0", "a/", "~");
      for (String n : names) {
        mkfile(store, Inode.ROOT_ID, n, 1);
      }
      List<String> all = store.read(v -> v.list(Inode.ROOT_ID, "", 100)).stream().map(DirEntry::name).toList();
      List<String> expected = new ArrayList<>(names);
      expected.sort((x, y) -> java.util.Arrays.compareUnsigned(
          x.getBytes(StandardCharsets.UTF_8), y.getBytes(StandardCharsets.UTF_8)));
      assertEquals(expected, all);
      List<String> page = store.read(v -> v.list(Inode.ROOT_ID, expected.get(2), 2)).stream().map(DirEntry::name).toList();
      assertEquals(expected.subList(3, 5), page);
    }
  }

  @Test
  void listingDoesNotLeakIntoNeighbouringDirectories() {
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      long d1 = mkfile(store, Inode.ROOT_ID, "d1", 0);
      long d2 = mkfile(store, Inode.ROOT_ID, "d2", 0);
      mkfile(store, d1, "x", 1);
      mkfile(store, d2, "y", 1);
      assertEquals(List.of("x"), store.read(v -> v.list(d1, "", 10)).stream().map(DirEntry::name).toList());
      boolean d2HasChildren = store.read(v -> v.hasChildren(d2));
      boolean strangerHasChildren = store.read(v -> v.hasChildren(Inode.ROOT_ID + 1000));
      assertTrue(d2HasChildren);
      assertFalse(strangerHasChildren);
    }
  }

  @Test
  void failedOperationRollsBackAloneInABatch() throws Exception {
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      mkfile(store, Inode.ROOT_ID, "dup", 1);
      ExecutorService pool = Executors.newFixedThreadPool(8);
      List<Future<Long>> futures = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        String name = i % 10 == 0 ? "dup" : "f" + i;
        futures.add(pool.submit(() -> mkfile(store, Inode.ROOT_ID, name, 1)));
      }
      int failed = 0;
      for (Future<Long> f : futures) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          assertTrue(e.getCause() instanceof AlreadyExistsException, e.getCause().toString());
          failed++;
        }
      }
      pool.shutdown();
      assertEquals(20, failed);
      assertEquals(181, store.read(v -> v.list(Inode.ROOT_ID, "", 1000)).size());
    }
  }

  @Test
  void inodeIdsAreNeverReusedAcrossRestarts() {
    long first;
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      first = mkfile(store, Inode.ROOT_ID, "a", 1);
      store.write(txn -> {
        txn.unlink(Inode.ROOT_ID, "a");
        txn.deleteInode(first);
        return null;
      });
    }
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      long second = mkfile(store, Inode.ROOT_ID, "b", 1);
      assertTrue(second > first, second + " should be above " + first);
    }
  }

  @Test
  void mapGrowsWhenFull() {
    LmdbMetadataStore.Options tiny = new LmdbMetadataStore.Options(256 << 10, 1L << 30, 0);
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir, tiny)) {
      long before = store.mapSize();
      // readers run throughout, so reused (reset and renewed) read transactions live across growths
      java.util.concurrent.atomic.AtomicBoolean writing = new java.util.concurrent.atomic.AtomicBoolean(true);
      java.util.concurrent.atomic.AtomicReference<Throwable> readerFailure = new java.util.concurrent.atomic.AtomicReference<>();
      List<Thread> readers = new ArrayList<>();
      for (int r = 0; r < 2; r++) {
        readers.add(Thread.ofPlatform().start(() -> {
          try {
            while (writing.get()) {
              store.read(v -> v.lookup(Inode.ROOT_ID, "file-with-a-longish-name-0"));
            }
          } catch (Throwable t) {
            readerFailure.set(t);
          }
        }));
      }
      for (int i = 0; i < 20_000; i++) {
        long id = mkfile(store, Inode.ROOT_ID, "file-with-a-longish-name-" + i, i);
        String name = "file-with-a-longish-name-" + i;
        // a read after a commit sees it, whichever idle transaction it renews
        assertEquals(id, store.read(v -> v.lookup(Inode.ROOT_ID, name)).orElseThrow());
      }
      writing.set(false);
      for (Thread t : readers) {
        assertDoesNotThrow(() -> t.join());
      }
      assertNull(readerFailure.get());
      assertTrue(store.mapSize() > before, "map should have grown from " + before);
      assertEquals(20_000, store.read(v -> v.list(Inode.ROOT_ID, "", 100_000)).size());
      assertEquals(20_001, store.stats().inodes());
    }
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir, tiny)) {
      assertEquals(20_000, store.read(v -> v.list(Inode.ROOT_ID, "", 100_000)).size());
    }
  }

  @Test
  void mountsBlocksAndTablesPersist() {
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      store.write(txn -> {
        txn.putMount(new MountEntry("/", "file:///tmp/x", Map.of("sync.interval", "0")));
        txn.putMount(new MountEntry("/data", "s3://b/p", Map.of()));
        txn.putBlock(new BlockRecord(BlockIds.of(7, 0), 0, 10, 1, false, false));
        txn.putBlock(new BlockRecord(BlockIds.of(7, 1), 1, 20, 2, true, false));
        txn.putBlock(new BlockRecord(BlockIds.of(8, 0), 2, 30, 3, false, true));
        txn.put(Table.UPLOADS, "u1".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});
        return null;
      });
    }
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      assertEquals(List.of("/", "/data"), store.read(v -> v.mounts()).stream().map(MountEntry::path).toList());
      assertEquals(2, store.read(v -> v.blocksOf(7)).size());
      assertTrue(store.read(v -> v.blocksOf(8)).get(0).unpersisted());
      store.write(txn -> {
        txn.removeBlocksOf(7);
        return null;
      });
      assertEquals(1, store.stats().blocks());
      assertEquals(3, store.read(v -> v.get(Table.UPLOADS, "u1".getBytes(StandardCharsets.UTF_8))).orElseThrow().length);
    }
  }

  @Test
  void overlongNamesAreRejected() {
    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      String name = "x".repeat(600);
      assertThrows(InvalidPathException.class, () -> mkfile(store, Inode.ROOT_ID, name, 1));
    }
  }
}
