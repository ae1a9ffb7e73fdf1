package io.kilowatch.collector.slurm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostlistTest {
  @Test
  void rangesListsPaddingAndProducts() {
    assertThat(Hostlist.expand("kw-gpu-1")).containsExactly("kw-gpu-1");
    assertThat(Hostlist.expand("gn[07-09,12]")).containsExactly("gn07", "gn08", "gn09", "gn12");
    assertThat(Hostlist.expand("a,b[1-2]")).containsExactly("a", "b1", "b2");
    assertThat(Hostlist.expand("r[1-2]-n[1-2]"))
        .containsExactly("r1-n1", "r1-n2", "r2-n1", "r2-n2");
    assertThat(Hostlist.expand("n[098-101]")).containsExactly("n098", "n099", "n100", "n101");
    assertThat(Hostlist.expand("")).isEmpty();
  }
}
