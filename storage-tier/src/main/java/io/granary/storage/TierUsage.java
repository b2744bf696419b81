package io.granary.storage;

/** A tier's capacity and use, for reports and metrics. */
public record TierUsage(String name, long capacity, long used, long blocks) {}
