package io.portcullis.oauth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WaitingTableTest {
  @Test
  void aFullTableRefusesUntilAValueIsTaken() {
    WaitingTable<String> table = new WaitingTable<>(2, 60_000);
    assertThat(table.add("a", "first")).isTrue();
    assertThat(table.add("b", "second")).isTrue();

    assertThat(table.add("c", "third")).isFalse();
    assertThat(table.take("c")).as("refused, not kept").isNull();
    assertThat(table.take("a")).isEqualTo("first");
    assertThat(table.take("a")).as("taken once").isNull();
    assertThat(table.add("c", "third")).isTrue();
  }

  @Test
  void expiredValuesAreForgottenAndFreeTheirPlaces() throws Exception {
    WaitingTable<String> table = new WaitingTable<>(2, 1_000);
    table.add("a", "first");
    table.add("b", "second");

    Thread.sleep(1_100);

    assertThat(table.take("a")).as("expired").isNull();
    assertThat(table.add("c", "third")).as("b's place, once b expired").isTrue();
    assertThat(table.add("d", "fourth")).isTrue();
    assertThat(table.add("e", "fifth")).as("c and d wait").isFalse();
    assertThat(table.take("b")).isNull();
  }
}
