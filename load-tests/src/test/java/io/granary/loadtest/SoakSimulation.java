package io.granary.loadtest;

import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.granary.loadtest.GranaryS3.KIB;
import static io.granary.loadtest.GranaryS3.intProp;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Soak: a closed model at a fixed concurrency, {@code soak.concurrency} (16) users, for
 * {@code soak.seconds} (600, i.e. 10 minutes). Each request is a cached GET of one of
 * {@code soak.objects} (1000) objects of {@code soak.size} (100 KiB) (80%), a PUT of the same size
 * over its own {@code soak.putKeys} (500) keys (10%), or a ListObjectsV2 of one of 10 prefixes of
 * the GET set (10%). Any failed request fails the run; the percentile and throughput assertions
 * cover the whole soak.
 */
public class SoakSimulation extends GranaryS3.Sim {
  private final int size = intProp("soak.size", 100 * KIB);
  private final GranaryS3.ShardedKeys set = GranaryS3.ShardedKeys.of(
      "soak", intProp("soak.objects", 1000), size, 10);
  private final List<String> keys = set.keys();
  private final int putKeys = intProp("soak.putKeys", 500);
  private final byte[] body = GranaryS3.randomBytes(size, 5);
  private final int concurrency = intProp("soak.concurrency", 16);
  private final Duration duration = Duration.ofSeconds(intProp("soak.seconds", 600));

  private final ScenarioBuilder scn = scenario("soak")
      .exec(randomSwitch().on(
          percent(80.0).then(s3.getObject("soak GET " + size / KIB + " KiB (cached)",
              s -> GranaryS3.randomKey(keys), size).toChainBuilder()),
          percent(10.0).then(s3.putObject("soak PUT " + size / KIB + " KiB",
              s -> "soak-put-" + size + "/object-" + ThreadLocalRandom.current().nextInt(putKeys), body)
              .toChainBuilder()),
          percent(10.0).then(s3.listRandomShard("soak LIST prefix (ListObjectsV2)", set))));

  {
    closedLoad(scn, concurrency, duration, 120, 2000, 20);
  }

  @Override
  void prepare() throws Exception {
    s3.putAndReadOnce(keys, GranaryS3.randomBytes(size, 6), 8);
  }
}
