package io.granary.engine;

import io.granary.metadata.lmdb.LmdbMetadataStore;
import io.granary.storage.TierSpec;
import io.granary.storage.tiered.TieredBlockStore;
import io.granary.storage.ufs.MeteredUnderStorage;
import io.granary.storage.ufs.UnderStorage;
import io.granary.storage.ufs.UnderStorages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * A real engine over real parts in a temp directory: LMDB metadata, tier directories and a local
 * directory as the root under-storage. Reopening keeps everything, as a restart does.
 */
final class EngineFixture implements AutoCloseable {
  final Path base;
  final Path ufsDir;
  final AtomicLong clock = new AtomicLong(1_000_000);
  final long blockSize;
  final List<TierSpec> tiers;
  final Map<String, String> rootOptions;
  /** Wraps connectors the engine creates (to slow or gate a store that is outside the project). */
  UnaryOperator<UnderStorage> ufsWrapper = UnaryOperator.identity();
  /** Eviction policy by name (LRU, TINYLFU). */
  String policy = "LRU";

  LmdbMetadataStore meta;
  TieredBlockStore blocks;
  GranaryEngine engine;

  EngineFixture(Path base, long blockSize, Map<String, String> rootOptions, long... tierQuotas) throws IOException {
    this.base = base;
    this.ufsDir = Files.createDirectories(base.resolve("ufs"));
    this.blockSize = blockSize;
    this.rootOptions = rootOptions;
    String[] names = {"MEM", "SSD", "HDD"};
    this.tiers = java.util.stream.IntStream.range(0, tierQuotas.length)
        .mapToObj(i -> new TierSpec(names[i], base.resolve("tier-" + names[i]), tierQuotas[i]))
        .toList();
  }

  EngineFixture open() {
    meta = LmdbMetadataStore.open(base.resolve("meta"));
    blocks = TieredBlockStore.open(tiers, meta, io.granary.storage.policy.EvictionPolicies.create(policy, tiers.size()),
        clock::get);
    engine = new GranaryEngine(meta, blocks,
        new EngineOptions(blockSize, 8, 100, clock::get),
        (uri, options) -> new MeteredUnderStorage(ufsWrapper.apply(UnderStorages.create(uri, options))));
    engine.start("file://" + ufsDir, rootOptions);
    return this;
  }

  EngineFixture reopen() {
    close();
    return open();
  }

  @Override
  public void close() {
    if (engine != null) {
      engine.close();
      blocks.close();
      meta.close();
      engine = null;
    }
  }
}
