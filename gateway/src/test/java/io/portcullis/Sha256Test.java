package io.portcullis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** SHA-256 with a digest reused per thread gives every input its own hash, however often and wherever asked. */
class Sha256Test {
  static final String ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
  static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void knownVectorsAgainAndAgain() {
    for (int i = 0; i < 3; i++) {
      assertThat(Sha256.hex("abc")).isEqualTo(ABC);
      assertThat(Sha256.hex("")).isEqualTo(EMPTY);
    }
  }

  @Test
  void threadsHashingAtOnceEachGetTheirOwnResult() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        String input = t % 2 == 0 ? "abc" : "";
        String expected = t % 2 == 0 ? ABC : EMPTY;
        results.add(pool.submit(() -> {
          for (int i = 0; i < 10_000; i++) {
            if (!Sha256.hex(input).equals(expected)) {
              return false;
            }
          }
          return true;
        }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
