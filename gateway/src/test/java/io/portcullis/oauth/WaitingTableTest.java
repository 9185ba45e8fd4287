package io.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WaitingTableTest {
  @Test
  void aFullTableGivesTheOldestsPlaceToTheNewcomer() {
    WaitingTable<String> table = new WaitingTable<>(2, 60_000);
    assertThat(table.add("a", "first")).as("nobody gave way").isFalse();
    assertThat(table.add("b", "second")).isFalse();

    assertThat(table.add("c", "third")).as("the oldest gave way").isTrue();
    assertThat(table.take("a")).isNull();
    assertThat(table.take("b")).isEqualTo("second");
    assertThat(table.take("b")).as("taken once").isNull();
    assertThat(table.take("c")).isEqualTo("third");
  }

  @Test
  void expiredValuesAreForgottenAndFreeTheirPlaces() {
    AtomicLong now = new AtomicLong(1_000);
    WaitingTable<String> table = new WaitingTable<>(2, 1_000, now::get);
    table.add("a", "first");
    table.add("b", "second");

    now.addAndGet(1_001);

    assertThat(table.take("a")).as("expired").isNull();
    assertThat(table.add("c", "third")).as("b's place, once b expired: nobody gave way").isFalse();
    assertThat(table.add("d", "fourth")).isFalse();
    assertThat(table.take("b")).isNull();
    assertThat(table.take("c")).isEqualTo("third");
  }
}
