package io.granary.loadtest;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.feed;
import static io.gatling.javaapi.core.CoreDsl.percent;
import static io.gatling.javaapi.core.CoreDsl.randomSwitch;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.granary.loadtest.GranaryS3.KIB;
import static io.granary.loadtest.GranaryS3.doubleProp;
import static io.granary.loadtest.GranaryS3.intProp;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.time.Duration;

/**
 * A training-style read profile: {@code train.objects} (2000) samples of {@code train.size}
 * (100 KiB) in {@code train.shards} (20) prefixes are PUT and read once in {@code before()}; then
 * {@code granary.concurrency} (32) users (closed model, {@code granary.seconds}, 60) each either
 * GET the next sample of a shuffled epoch (every pass over the data set a fresh seeded
 * permutation shared by all users, as a data loader's sampler; 90%) or list one shard's prefix
 * with ListObjectsV2 ({@code train.listPercent}, 10%). GETs are checked for status and length,
 * LISTs for status, the shard's key count and no truncation.
 */
public class TrainingMixSimulation extends GranaryS3.Sim {
  private final int size = intProp("train.size", 100 * KIB);
  private final GranaryS3.ShardedKeys set = GranaryS3.ShardedKeys.of(
      "train", intProp("train.objects", 2000), size, intProp("train.shards", 20));
  private final double listPercent = doubleProp("train.listPercent", 10.0);
  private final int concurrency = intProp("granary.concurrency", 32);
  private final Duration duration = GranaryS3.seconds("train.seconds", 60);

  private final ScenarioBuilder scn = scenario("training mix")
      .exec(randomSwitch().on(
          percent(100.0 - listPercent).then(
              exec(feed(GranaryS3.shuffledEpochs(set.keys(), 42)))
                  .exec(s3.getObject("GET " + size / KIB + " KiB (shuffled epoch)", s -> s.getString("key"), size))),
          percent(listPercent).then(s3.listRandomShard("LIST shard prefix (ListObjectsV2)", set))));

  {
    closedLoad(scn, concurrency, duration, 120, 2000, 50);
  }

  @Override
  void prepare() throws Exception {
    s3.putAndReadOnce(set.keys(), GranaryS3.randomBytes(size, 4), 8);
  }
}
