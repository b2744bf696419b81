package io.granary.metadata.lmdb;

import io.granary.error.InvalidPathException;
import io.granary.metadata.BlockIds;
import io.granary.metadata.BlockRecord;
import io.granary.metadata.DirEntry;
import io.granary.metadata.Inode;
import io.granary.metadata.MetaTxn;
import io.granary.metadata.MountEntry;
import io.granary.metadata.Table;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;
import org.lmdbjava.CursorIterable;
import org.lmdbjava.Dbi;
import org.lmdbjava.KeyRange;
import org.lmdbjava.Txn;

/**
 * The one place LMDB keys are laid out. A view over one LMDB transaction; write methods are only
 * called on the writer thread's transactions.
 */
final class LmdbTxnView implements MetaTxn {
  /** LMDB's default maximum key size, minus the 8-byte parent id of a directory entry key. */
  static final int MAX_NAME_BYTES = 511 - 8;

  private final LmdbMetadataStore store;
  private final Txn<ByteBuffer> txn;
  private final Scratch scratch;

  LmdbTxnView(LmdbMetadataStore store, Txn<ByteBuffer> txn, Scratch scratch) {
    this.store = store;
    this.txn = txn;
    this.scratch = scratch;
  }

  // ---- keys -------------------------------------------------------------------------------

  private static ByteBuffer longKey(ByteBuffer buf, long value) {
    return buf.clear().putLong(value).flip();
  }

  private static byte[] nameBytes(String name) {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > MAX_NAME_BYTES) {
      throw new InvalidPathException("name longer than " + MAX_NAME_BYTES + " bytes: " + name.substring(0, 64) + "...");
    }
    return bytes;
  }

  private static ByteBuffer dentryKey(ByteBuffer buf, long parentId, byte[] name) {
    return buf.clear().putLong(parentId).put(name).flip();
  }

  private static ByteBuffer bytesKey(ByteBuffer buf, byte[] key) {
    if (key.length > 511 || key.length == 0) {
      throw new IllegalArgumentException("table key must be 1..511 bytes, was " + key.length);
    }
    return buf.clear().put(key).flip();
  }

  private static byte[] copy(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  // ---- reads ------------------------------------------------------------------------------

  @Override
  public Optional<Inode> inode(long id) {
    ByteBuffer v = store.inodes.get(txn, longKey(scratch.key, id));
    return v == null ? Optional.empty() : Optional.of(Codec.decodeInode(id, v));
  }

  @Override
  public OptionalLong lookup(long parentId, String name) {
    ByteBuffer v = store.dentries.get(txn, dentryKey(scratch.key, parentId, nameBytes(name)));
    return v == null ? OptionalLong.empty() : OptionalLong.of(v.getLong(0));
  }

  @Override
  public List<DirEntry> list(long parentId, String startAfter, int limit) {
    List<DirEntry> out = new ArrayList<>(Math.min(limit, 1024));
    scan(parentId, startAfter, e -> {
      out.add(e);
      return out.size() < limit;
    });
    return out;
  }

  @Override
  public void scan(long parentId, String startAfter, Predicate<DirEntry> visitor) {
    boolean fromStart = startAfter == null || startAfter.isEmpty();
    ByteBuffer start = dentryKey(scratch.rangeKey, parentId, fromStart ? new byte[0] : nameBytes(startAfter));
    KeyRange<ByteBuffer> range = fromStart ? KeyRange.atLeast(start) : KeyRange.greaterThan(start);
    try (CursorIterable<ByteBuffer> it = store.dentries.iterate(txn, range)) {
      for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
        ByteBuffer k = kv.key();
        if (k.remaining() < 8 || k.getLong(k.position()) != parentId) {
          return;
        }
        byte[] name = new byte[k.remaining() - 8];
        k.duplicate().position(k.position() + 8).get(name);
        if (!visitor.test(new DirEntry(new String(name, StandardCharsets.UTF_8), kv.val().getLong(0)))) {
          return;
        }
      }
    }
  }

  @Override
  public boolean hasChildren(long parentId) {
    boolean[] any = {false};
    scan(parentId, "", e -> {
      any[0] = true;
      return false;
    });
    return any[0];
  }

  @Override
  public List<MountEntry> mounts() {
    List<MountEntry> out = new ArrayList<>();
    try (CursorIterable<ByteBuffer> it = store.mounts.iterate(txn, KeyRange.all())) {
      for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
        String path = new String(copy(kv.key()), StandardCharsets.UTF_8);
        out.add(Codec.decodeMount(path, kv.val()));
      }
    }
    return out;
  }

  @Override
  public Optional<BlockRecord> block(long blockId) {
    ByteBuffer v = store.blocks.get(txn, longKey(scratch.key, blockId));
    return v == null ? Optional.empty() : Optional.of(Codec.decodeBlock(blockId, v));
  }

  @Override
  public List<BlockRecord> blocksOf(long inodeId) {
    // A manual stop instead of KeyRange.closedOpen: lmdbjava 0.9.3's closed-open range returned
    // nothing for these big-endian keys (see LmdbMetadataStoreTest.mountsBlocksAndTablesPersist).
    List<BlockRecord> out = new ArrayList<>();
    long end = BlockIds.end(inodeId);
    ByteBuffer from = longKey(scratch.rangeKey, BlockIds.first(inodeId));
    try (CursorIterable<ByteBuffer> it = store.blocks.iterate(txn, KeyRange.atLeast(from))) {
      for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
        long id = kv.key().getLong(kv.key().position());
        if (Long.compareUnsigned(id, end) >= 0) {
          break;
        }
        out.add(Codec.decodeBlock(id, kv.val()));
      }
    }
    return out;
  }

  @Override
  public void scanBlocks(Predicate<BlockRecord> visitor) {
    try (CursorIterable<ByteBuffer> it = store.blocks.iterate(txn, KeyRange.all())) {
      for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
        if (!visitor.test(Codec.decodeBlock(kv.key().getLong(kv.key().position()), kv.val()))) {
          return;
        }
      }
    }
  }

  @Override
  public Optional<byte[]> get(Table table, byte[] key) {
    ByteBuffer v = store.table(table).get(txn, bytesKey(scratch.key, key));
    return v == null ? Optional.empty() : Optional.of(copy(v));
  }

  @Override
  public void scan(Table table, byte[] prefix, Predicate<Entry> visitor) {
    Dbi<ByteBuffer> dbi = store.table(table);
    KeyRange<ByteBuffer> range = prefix.length == 0 ? KeyRange.all() : KeyRange.atLeast(bytesKey(scratch.rangeKey, prefix));
    try (CursorIterable<ByteBuffer> it = dbi.iterate(txn, range)) {
      for (CursorIterable.KeyVal<ByteBuffer> kv : it) {
        byte[] key = copy(kv.key());
        if (key.length < prefix.length || !Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length)) {
          return;
        }
        if (!visitor.test(new Entry(key, copy(kv.val())))) {
          return;
        }
      }
    }
  }

  // ---- writes -----------------------------------------------------------------------------

  @Override
  public long newInodeId() {
    return store.newInodeId();
  }

  @Override
  public void putInode(Inode inode) {
    nameBytes(inode.name());
    Codec.encodeInode(inode, scratch.out.reset());
    store.inodes.put(txn, longKey(scratch.key, inode.id()), scratch.out.flip());
  }

  @Override
  public void deleteInode(long id) {
    store.inodes.delete(txn, longKey(scratch.key, id));
  }

  @Override
  public void link(long parentId, String name, long childId) {
    scratch.out.reset().putLong(childId);
    store.dentries.put(txn, dentryKey(scratch.key, parentId, nameBytes(name)), scratch.out.flip());
  }

  @Override
  public boolean unlink(long parentId, String name) {
    return store.dentries.delete(txn, dentryKey(scratch.key, parentId, nameBytes(name)));
  }

  @Override
  public void putMount(MountEntry mount) {
    Codec.encodeMount(mount, scratch.out.reset());
    store.mounts.put(txn, bytesKey(scratch.key, mount.path().getBytes(StandardCharsets.UTF_8)), scratch.out.flip());
  }

  @Override
  public boolean removeMount(String path) {
    return store.mounts.delete(txn, bytesKey(scratch.key, path.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public void putBlock(BlockRecord block) {
    Codec.encodeBlock(block, scratch.out.reset());
    store.blocks.put(txn, longKey(scratch.key, block.blockId()), scratch.out.flip());
  }

  @Override
  public boolean removeBlock(long blockId) {
    return store.blocks.delete(txn, longKey(scratch.key, blockId));
  }

  @Override
  public void removeBlocksOf(long inodeId) {
    for (BlockRecord b : blocksOf(inodeId)) {
      removeBlock(b.blockId());
    }
  }

  @Override
  public void put(Table table, byte[] key, byte[] value) {
    scratch.out.reset().putBytes(value);
    store.table(table).put(txn, bytesKey(scratch.key, key), scratch.out.flip());
  }

  @Override
  public boolean delete(Table table, byte[] key) {
    return store.table(table).delete(txn, bytesKey(scratch.key, key));
  }

  /** Reusable direct buffers of one transaction; pooled by the store. */
  static final class Scratch {
    final ByteBuffer key = ByteBuffer.allocateDirect(512);
    final ByteBuffer rangeKey = ByteBuffer.allocateDirect(512);
    final Codec.Out out = new Codec.Out(256);
  }
}
