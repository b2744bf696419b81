package io.granary.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.granary.error.InvalidArgumentException;
import io.granary.error.IsADirectoryException;
import io.granary.error.NotFoundException;
import io.granary.metadata.BlockIds;
import io.granary.metadata.BlockRecord;
import io.granary.metadata.Inode;
import io.granary.metadata.MetadataStore;
import io.granary.metadata.Table;
import io.granary.storage.BlockStore;
import io.granary.storage.ufs.UfsStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Multipart uploads. An upload and its parts are records in the metadata store's UPLOADS table, so
 * they survive restarts; each part's bytes are cached blocks of a hidden inode, never evicted.
 * Completing an upload hard-links those block files under the new file's block ids and commits
 * the file, its block records and the end of the upload in one transaction: no byte is copied in
 * the cache (the under-storage still receives the whole object for write types that persist).
 */
public final class MultipartUploads {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();

  /** An upload in progress. */
  public record Upload(String id, String path, Map<String, String> attributes, String writeType, long initiatedMs) {}

  /** A stored part. */
  public record Part(int number, long inodeId, long size, String etag, long modifiedMs) {}

  private final GranaryEngine engine;
  private final MetadataStore meta;
  private final BlockStore blocks;

  MultipartUploads(GranaryEngine engine, MetadataStore meta, BlockStore blocks) {
    this.engine = engine;
    this.meta = meta;
    this.blocks = blocks;
  }

  private static byte[] uploadKey(String id) {
    return ("u:" + id).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] partPrefix(String id) {
    return ("p:" + id + ":").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] partKey(String id, int n) {
    return String.format("p:%s:%05d", id, n).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] json(Object o) {
    try {
      return JSON.writeValueAsBytes(o);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> T parse(byte[] b, Class<T> type) {
    try {
      return JSON.readValue(b, type);
    } catch (IOException e) {
      throw new UncheckedIOException("corrupt upload record", e);
    }
  }

  String create(NamespacePath path, Map<String, String> attributes, WriteType writeType, long now) {
    byte[] raw = new byte[16];
    RANDOM.nextBytes(raw);
    String id = HexFormat.of().formatHex(raw);
    Upload u = new Upload(id, path.path(), attributes, writeType == null ? null : writeType.name(), now);
    meta.write(txn -> {
      txn.put(Table.UPLOADS, uploadKey(id), json(u));
      return null;
    });
    return id;
  }

  Upload upload(String id) {
    if (id == null || !id.matches("[0-9a-f]{32}")) {
      throw new NotFoundException("no such upload: " + id);
    }
    return meta.read(v -> v.get(Table.UPLOADS, uploadKey(id))).map(b -> parse(b, Upload.class))
        .orElseThrow(() -> new NotFoundException("no such upload: " + id));
  }

  List<Part> parts(String id) {
    upload(id);
    List<Part> out = new ArrayList<>();
    meta.read(v -> {
      v.scan(Table.UPLOADS, partPrefix(id), e -> out.add(parse(e.value(), Part.class)));
      return null;
    });
    return out;
  }

  List<Upload> uploads(String pathPrefix) {
    List<Upload> out = new ArrayList<>();
    meta.read(v -> {
      v.scan(Table.UPLOADS, "u:".getBytes(StandardCharsets.UTF_8), e -> {
        Upload u = parse(e.value(), Upload.class);
        if (u.path().startsWith(pathPrefix)) {
          out.add(u);
        }
        return true;
      });
      return null;
    });
    out.sort(java.util.Comparator.comparing(Upload::path).thenComparing(Upload::initiatedMs));
    return out;
  }

  Part writePart(String id, int number, InputStream data, long length, Supplier<String> etag, long now) throws IOException {
    upload(id);
    long inode = meta.newInodeId();
    List<BlockRecord> written = new ArrayList<>();
    boolean committed = false;
    try {
      Mount m = engine.mountOf(NamespacePath.of(upload(id).path()));
      long size = engine.writeBlocks(inode, data, length, engine.tierOf(m), m.pin(), true, written);
      Part part = new Part(number, inode, size, etag.get(), now);
      List<BlockRecord> replaced = meta.write(txn -> {
        if (txn.get(Table.UPLOADS, uploadKey(id)).isEmpty()) {
          throw new NotFoundException("no such upload: " + id);
        }
        List<BlockRecord> old = new ArrayList<>();
        txn.get(Table.UPLOADS, partKey(id, number)).map(b -> parse(b, Part.class)).ifPresent(p -> {
          old.addAll(txn.blocksOf(p.inodeId()));
          txn.removeBlocksOf(p.inodeId());
        });
        written.forEach(txn::putBlock);
        txn.put(Table.UPLOADS, partKey(id, number), json(part));
        return old;
      });
      committed = true;
      blocks.committed(written);
      blocks.removed(replaced);
      return part;
    } finally {
      if (!committed) {
        blocks.discardFinished(written);
      }
    }
  }

  FileInfo complete(String id, List<Integer> numbers, Map<String, String> extraAttributes) throws IOException {
    Upload u = upload(id);
    Map<Integer, Part> stored = new LinkedHashMap<>();
    for (Part p : parts(id)) {
      stored.put(p.number(), p);
    }
    List<Part> chosen = new ArrayList<>();
    for (int n : numbers) {
      Part p = stored.get(n);
      if (p == null) {
        throw new InvalidArgumentException("upload " + id + " has no part " + n);
      }
      chosen.add(p);
    }
    NamespacePath path = NamespacePath.of(u.path());
    Mount m = engine.mountOf(path);
    WriteType wt = u.writeType() == null ? m.writeType() : WriteType.valueOf(u.writeType());
    Inode parent = engine.mkdirsFor(path.parent(), wt);
    Optional<Inode> existing = engine.childOf(parent, path);
    if (existing.isPresent() && existing.get().isDirectory()) {
      throw new IsADirectoryException(path + " is a directory");
    }
    long fileId = meta.newInodeId();
    List<BlockRecord> linked = new ArrayList<>();
    List<BlockRecord> sources = new ArrayList<>();
    List<Long> lengths = new ArrayList<>();
    boolean committed = false;
    try {
      int k = 0;
      for (Part p : chosen) {
        List<BlockRecord> partBlocks = meta.read(v -> v.blocksOf(p.inodeId()));
        long sum = partBlocks.stream().mapToLong(BlockRecord::length).sum();
        if (sum != p.size()) {
          throw new NotFoundException("part " + p.number() + " of upload " + id + " lost its cached blocks");
        }
        for (BlockRecord b : partBlocks) {
          linked.add(blocks.link(b, BlockIds.of(fileId, k++), wt.cacheFirst()));
          sources.add(b);
          lengths.add(b.length());
        }
      }
      long total = lengths.stream().mapToLong(Long::longValue).sum();
      String rel = m.relative(path);
      long now = engine.clockMs();
      Map<String, String> attrs = new LinkedHashMap<>(u.attributes());
      attrs.putAll(extraAttributes);
      if (!uniform(lengths, engine.blockSize())) {
        attrs.put(Layout.ATTRIBUTE, Layout.encode(lengths));
      }
      Inode n = Inode.file(fileId, parent.id(), path.name(), total, now, engine.blockSize(), !wt.cacheFirst())
          .withAttributes(attrs);
      if (!wt.cacheFirst()) {
        try (InputStream all = engine.blockSource(linked, total)) {
          m.ufs().put(rel, all, total);
        }
        UfsStatus s = m.ufs().stat(rel).orElseThrow(() -> new NotFoundException("under-storage lost " + rel));
        n = n.withContent(total, s.mtimeMs(), s.fingerprint()).withSync(now, -1);
      }
      Inode file = n;
      // parts that were uploaded but not chosen are dropped with the upload
      List<BlockRecord> unchosen = new ArrayList<>();
      for (Part p : stored.values()) {
        if (!numbers.contains(p.number())) {
          unchosen.addAll(meta.read(v -> v.blocksOf(p.inodeId())));
        }
      }
      List<BlockRecord> replaced = meta.write(txn -> {
        if (txn.get(Table.UPLOADS, uploadKey(id)).isEmpty()) {
          throw new NotFoundException("no such upload: " + id); // completed or aborted meanwhile
        }
        List<BlockRecord> old = new ArrayList<>();
        Optional<Inode> cur = txn.child(parent.id(), path.name());
        if (cur.isPresent()) {
          if (cur.get().isDirectory()) {
            throw new IsADirectoryException(path + " is a directory");
          }
          old.addAll(txn.blocksOf(cur.get().id()));
          txn.removeBlocksOf(cur.get().id());
          txn.deleteInode(cur.get().id());
        }
        txn.putInode(file);
        txn.link(parent.id(), path.name(), file.id());
        linked.forEach(txn::putBlock);
        for (Part p : stored.values()) {
          txn.removeBlocksOf(p.inodeId());
          txn.delete(Table.UPLOADS, partKey(id, p.number()));
        }
        txn.delete(Table.UPLOADS, uploadKey(id));
        if (wt == WriteType.ASYNC_THROUGH) {
          engine.enqueuePersist(txn, file.id(), now);
        }
        return old;
      });
      committed = true;
      if (wt == WriteType.ASYNC_THROUGH) {
        engine.persistEnqueued();
      }
      blocks.committed(linked);
      List<BlockRecord> gone = new ArrayList<>(sources);
      gone.addAll(replaced);
      gone.addAll(unchosen);
      blocks.removed(gone);
      if (wt == WriteType.THROUGH) {
        blocks.free(fileId);
      }
      return FileInfo.of(path, file);
    } finally {
      if (!committed) {
        blocks.discardFinished(linked);
      }
    }
  }

  void abort(String id) {
    upload(id);
    List<BlockRecord> gone = meta.write(txn -> {
      List<BlockRecord> out = new ArrayList<>();
      List<byte[]> keys = new ArrayList<>();
      txn.scan(Table.UPLOADS, partPrefix(id), e -> {
        Part p = parse(e.value(), Part.class);
        out.addAll(txn.blocksOf(p.inodeId()));
        txn.removeBlocksOf(p.inodeId());
        keys.add(e.key());
        return true;
      });
      keys.forEach(k -> txn.delete(Table.UPLOADS, k));
      txn.delete(Table.UPLOADS, uploadKey(id));
      return out;
    });
    blocks.removed(gone);
  }

  private static boolean uniform(List<Long> lengths, long blockSize) {
    for (int i = 0; i < lengths.size() - 1; i++) {
      if (lengths.get(i) != blockSize) {
        return false;
      }
    }
    return lengths.isEmpty() || lengths.get(lengths.size() - 1) <= blockSize;
  }
}
