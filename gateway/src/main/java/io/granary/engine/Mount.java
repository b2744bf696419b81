package io.granary.engine;

import io.granary.error.InvalidArgumentException;
import io.granary.metadata.MountEntry;
import io.granary.storage.ufs.MeteredUnderStorage;
import java.util.Map;

/**
 * A live mount: its table row, its connector and the per-mount defaults parsed from its options.
 *
 * @param syncIntervalMs -1: never re-check known paths; 0: re-check on every access; N: after N ms
 */
public record Mount(NamespacePath path, MountEntry entry, MeteredUnderStorage ufs, ReadType readType,
    WriteType writeType, long syncIntervalMs, String tier, boolean pin, long ttlMs, String ttlAction) {

  /** Option keys that configure the engine rather than the connector. */
  public static final String READ_TYPE = "read-type";
  public static final String WRITE_TYPE = "write-type";
  public static final String SYNC_INTERVAL = "sync-interval";
  /** Tier (by name) new blocks of this mount land in; default the fastest. */
  public static final String TIER = "tier";
  /** Pin every file of this mount. */
  public static final String PIN = "pin";
  /** Time to live of every file created or loaded under this mount: ms, or 30s, 10m, 2h, 1d. */
  public static final String TTL = "ttl";
  /** FREE (default) or DELETE on TTL expiry. */
  public static final String TTL_ACTION = "ttl-action";

  static Mount of(MountEntry entry, MeteredUnderStorage ufs) {
    Map<String, String> o = entry.options();
    ReadType rt = ReadType.parse(o.getOrDefault(READ_TYPE, "CACHE"));
    WriteType wt = WriteType.parse(o.getOrDefault(WRITE_TYPE, "CACHE_THROUGH"));
    long sync;
    try {
      sync = Long.parseLong(o.getOrDefault(SYNC_INTERVAL, "-1").trim());
    } catch (NumberFormatException e) {
      throw new InvalidArgumentException("sync-interval must be a number of milliseconds (-1, 0 or N): "
          + o.get(SYNC_INTERVAL));
    }
    if (sync < -1) {
      throw new InvalidArgumentException("sync-interval must be -1, 0 or positive, not " + sync);
    }
    long ttl = o.containsKey(TTL) ? duration(o.get(TTL)) : -1;
    String action = Ttls.Action.parse(o.getOrDefault(TTL_ACTION, "FREE")).name();
    String pin = o.getOrDefault(PIN, "false").trim();
    if (!pin.equalsIgnoreCase("true") && !pin.equalsIgnoreCase("false")) {
      throw new InvalidArgumentException("pin must be true or false, not " + pin);
    }
    return new Mount(NamespacePath.of(entry.path()), entry, ufs, rt, wt, sync, o.getOrDefault(TIER, ""),
        Boolean.parseBoolean(pin), ttl, action);
  }

  /** A positive duration (Durations syntax). */
  static long duration(String s) {
    long ms = Durations.parse(s);
    if (ms <= 0) {
      throw new InvalidArgumentException("a duration must be positive: " + s);
    }
    return ms;
  }


  /** The path below the mount point, as the under-storage names it ("" for the mount point). */
  String relative(NamespacePath p) {
    if (path.isRoot()) {
      return p.path().substring(1);
    }
    return p.path().length() == path.path().length() ? "" : p.path().substring(path.path().length() + 1);
  }

  /** Whether metadata last checked at {@code lastSyncMs} must be checked again at {@code now}. */
  boolean due(long lastSyncMs, long now) {
    if (lastSyncMs < 0) {
      return true;
    }
    return syncIntervalMs == 0 || (syncIntervalMs > 0 && now - lastSyncMs >= syncIntervalMs);
  }
}
