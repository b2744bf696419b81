package io.granary.storage.policy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/** Least recently used first, one access-ordered map per tier. */
public final class LruPolicy implements EvictionPolicy {
  private final List<LinkedHashMap<Long, Boolean>> tiers = new ArrayList<>();

  public LruPolicy(int tierCount) {
    for (int i = 0; i < tierCount; i++) {
      tiers.add(new LinkedHashMap<>(1024, 0.75f, true));
    }
  }

  @Override
  public synchronized void added(long blockId, int tier, long lastAccessMs) {
    tiers.get(tier).put(blockId, Boolean.TRUE);
  }

  @Override
  public synchronized void accessed(long blockId, int tier) {
    tiers.get(tier).get(blockId);
  }

  @Override
  public synchronized void removed(long blockId, int tier) {
    tiers.get(tier).remove(blockId);
  }

  @Override
  public synchronized List<Long> victims(int tier, int max) {
    List<Long> out = new ArrayList<>(Math.min(max, tiers.get(tier).size()));
    for (Long id : tiers.get(tier).keySet()) {
      if (out.size() >= max) {
        break;
      }
      out.add(id);
    }
    return out;
  }

  @Override
  public String name() {
    return "LRU";
  }
}
