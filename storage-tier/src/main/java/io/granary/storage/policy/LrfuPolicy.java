package io.granary.storage.policy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Least Recently/Frequently Used: each block's value is the sum over its accesses of
 * 2^(-lambda * age), with age counted in accesses to the cache; the lowest value goes first.
 * lambda near 0 behaves like LFU, near 1 like LRU. Because every value decays at the same rate,
 * the order only changes when a block is accessed, so the blocks are kept sorted by
 * {@code log2(value at its last access) + lambda * time of its last access}, which never changes
 * between accesses.
 */
public final class LrfuPolicy implements EvictionPolicy {
  /** Default decay per access: a value halves after 100 accesses to other blocks. */
  public static final double DEFAULT_LAMBDA = 0.01;

  private record Node(long blockId, double crf, long time, double key) {}

  private final double lambda;
  private final List<TreeSet<Node>> order = new ArrayList<>();
  private final Map<Long, Node> nodes = new HashMap<>();
  private long clock;

  public LrfuPolicy(int tierCount, double lambda) {
    this.lambda = lambda;
    for (int i = 0; i < tierCount; i++) {
      order.add(new TreeSet<>((a, b) -> a.key() != b.key() ? Double.compare(a.key(), b.key())
          : Long.compare(a.blockId(), b.blockId())));
    }
  }

  public LrfuPolicy(int tierCount) {
    this(tierCount, DEFAULT_LAMBDA);
  }

  private Node touch(Node old, long blockId) {
    long now = ++clock;
    double crf = old == null ? 1 : 1 + old.crf() * Math.pow(2, -lambda * (now - old.time()));
    return new Node(blockId, crf, now, Math.log(crf) / Math.log(2) + lambda * now);
  }

  @Override
  public synchronized void added(long blockId, int tier, long lastAccessMs) {
    Node old = nodes.remove(blockId);
    if (old != null) {
      order.forEach(t -> t.remove(old));
    }
    Node n = touch(old, blockId);
    nodes.put(blockId, n);
    order.get(tier).add(n);
  }

  @Override
  public synchronized void accessed(long blockId, int tier) {
    Node old = nodes.get(blockId);
    if (old == null) {
      return;
    }
    order.get(tier).remove(old);
    Node n = touch(old, blockId);
    nodes.put(blockId, n);
    order.get(tier).add(n);
  }

  @Override
  public synchronized void removed(long blockId, int tier) {
    Node old = nodes.remove(blockId);
    if (old != null) {
      order.get(tier).remove(old);
    }
  }

  @Override
  public synchronized List<Long> victims(int tier, int max) {
    List<Long> out = new ArrayList<>(max);
    for (Node n : order.get(tier)) {
      if (out.size() >= max) {
        break;
      }
      out.add(n.blockId());
    }
    return out;
  }

  @Override
  public String name() {
    return "LRFU";
  }
}
