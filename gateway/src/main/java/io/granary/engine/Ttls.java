package io.granary.engine;

import io.granary.error.GranaryException;
import io.granary.error.InvalidArgumentException;
import io.granary.metadata.Inode;
import io.granary.metadata.MetadataStore;
import io.granary.metadata.Table;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Time to live of files and trees. Each TTL is an inode attribute and an entry in the TTL table
 * keyed by expiry then inode id, so what is due is one short range scan however many files have a
 * TTL; the check runs every second (and on demand), not once an hour.
 */
final class Ttls {
  private static final Logger LOG = LoggerFactory.getLogger(Ttls.class);
  static final String ATTRIBUTE = "granary.ttl";

  /** What happens on expiry. */
  enum Action {
    FREE,
    DELETE;

    static Action parse(String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new InvalidArgumentException("unknown TTL action '" + s + "' (FREE, DELETE)");
      }
    }
  }

  private final GranaryEngine engine;
  private final MetadataStore meta;

  Ttls(GranaryEngine engine, MetadataStore meta) {
    this.engine = engine;
    this.meta = meta;
  }

  private static byte[] key(long expiresMs, long inodeId) {
    return ByteBuffer.allocate(16).putLong(expiresMs).putLong(inodeId).array();
  }

  /** Sets (ttlMs > 0) or clears (0) the TTL of the inode at {@code path}. */
  void set(NamespacePath path, Inode node, long ttlMs, Action action, long now) {
    if (ttlMs < 0) {
      throw new InvalidArgumentException("a TTL cannot be negative: " + ttlMs);
    }
    meta.write(txn -> {
      Inode cur = txn.inode(node.id()).orElseThrow();
      String old = cur.attributes().get(ATTRIBUTE);
      if (old != null) {
        txn.delete(Table.TTL, key(Long.parseLong(old.substring(0, old.indexOf(':'))), cur.id()));
      }
      Map<String, String> attrs = new LinkedHashMap<>(cur.attributes());
      if (ttlMs == 0) {
        attrs.remove(ATTRIBUTE);
      } else {
        long expires = now + ttlMs;
        attrs.put(ATTRIBUTE, expires + ":" + action);
        txn.put(Table.TTL, key(expires, cur.id()), action.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      }
      txn.putInode(cur.withAttributes(attrs));
      return null;
    });
  }

  /** Gives a file being created in {@code txn} a TTL; returns it with the attribute (the caller puts it). */
  static Inode schedule(io.granary.metadata.MetaTxn txn, Inode n, long expires, Action action) {
    txn.put(Table.TTL, key(expires, n.id()), action.name().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Map<String, String> attrs = new LinkedHashMap<>(n.attributes());
    attrs.put(ATTRIBUTE, expires + ":" + action);
    return n.withAttributes(attrs);
  }

  /** Applies every TTL due at {@code now}; returns how many expired. */
  int expire(long now) {
    List<long[]> due = new ArrayList<>();
    List<String> actions = new ArrayList<>();
    meta.read(v -> {
      v.scan(Table.TTL, new byte[0], e -> {
        ByteBuffer k = ByteBuffer.wrap(e.key());
        long expires = k.getLong();
        if (expires > now) {
          return false;
        }
        due.add(new long[] {expires, k.getLong()});
        actions.add(new String(e.value(), java.nio.charset.StandardCharsets.UTF_8));
        return true;
      });
      return null;
    });
    int n = 0;
    for (int i = 0; i < due.size(); i++) {
      long expires = due.get(i)[0];
      long inode = due.get(i)[1];
      Action action = Action.valueOf(actions.get(i));
      String path = engine.pathOf(inode);
      try {
        if (path != null) {
          if (action == Action.DELETE) {
            engine.delete(path, true);
          } else {
            engine.free(path);
            engine.clearTtl(path);
          }
          LOG.info("TTL expired: {} {}", action == Action.DELETE ? "deleted" : "freed", path);
          n++;
        }
      } catch (GranaryException e) {
        LOG.warn("TTL of {} could not be applied: {}", path, e.getMessage());
      }
      meta.write(txn -> txn.delete(Table.TTL, key(expires, inode)));
    }
    return n;
  }
}
