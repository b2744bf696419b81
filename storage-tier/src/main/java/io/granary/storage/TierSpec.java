package io.granary.storage;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One cache tier: a directory with a quota. Tiers are ordered fastest first (MEM on tmpfs, SSD, HDD).
 *
 * @param name          MEM, SSD, HDD or any label
 * @param dir           where the block files go
 * @param quota         bytes this tier may hold
 * @param highWatermark fraction of the quota above which background eviction starts
 * @param lowWatermark  fraction of the quota background eviction frees down to
 */
public record TierSpec(String name, Path dir, long quota, double highWatermark, double lowWatermark) {
  public TierSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dir, "dir");
    if (quota <= 0) {
      throw new IllegalArgumentException("tier " + name + ": quota must be positive");
    }
    if (!(lowWatermark > 0 && lowWatermark <= highWatermark && highWatermark <= 1)) {
      throw new IllegalArgumentException("tier " + name + ": need 0 < low <= high <= 1, got "
          + lowWatermark + ", " + highWatermark);
    }
  }

  public TierSpec(String name, Path dir, long quota) {
    this(name, dir, quota, 0.95, 0.8);
  }
}
