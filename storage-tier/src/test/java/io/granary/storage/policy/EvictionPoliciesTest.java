package io.granary.storage.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EvictionPoliciesTest {
  @Test
  void lruEvictsTheLeastRecentlyUsed() {
    EvictionPolicy p = EvictionPolicies.create("LRU", 1);
    p.added(1, 0, 0);
    p.added(2, 0, 0);
    p.added(3, 0, 0);
    p.accessed(1, 0);
    assertEquals(List.of(2L, 3L, 1L), p.victims(0, 10));
  }

  @Test
  void lrfuKeepsAFrequentBlockThatLruWouldDrop() {
    EvictionPolicy p = new LrfuPolicy(1, 0.001);
    p.added(1, 0, 0);
    for (int i = 0; i < 20; i++) {
      p.accessed(1, 0); // frequently used long ago
    }
    p.added(2, 0, 0);
    p.added(3, 0, 0); // used once, recently
    assertEquals(2L, p.victims(0, 1).get(0), "a once-used block goes before a frequently used one");
    EvictionPolicy recency = new LrfuPolicy(1, 1.0); // lambda 1: plain recency
    recency.added(1, 0, 0);
    recency.accessed(1, 0);
    recency.added(2, 0, 0);
    assertEquals(1L, recency.victims(0, 1).get(0));
    p.removed(2, 0);
    assertFalse(p.victims(0, 10).contains(2L));
  }

  @Test
  void tinyLfuAdmitsOnlyClearlyMoreFrequentBlocks() {
    EvictionPolicy p = EvictionPolicies.create("TINYLFU", 1);
    p.added(1, 0, 0);
    p.accessed(1, 0);
    p.missed(2);
    assertFalse(p.admit(2, 1), "asked once: not worth a cached block");
    for (int i = 0; i < 5; i++) {
      p.missed(2);
    }
    assertTrue(p.admit(2, 1), "asked often: worth it");
    assertFalse(p.evictsAhead());
  }

  @Test
  void unknownPolicyIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> EvictionPolicies.create("FIFO", 1));
  }
}
