package io.roadseg.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "bench", mixinStandardHelpOptions = true, description = "Latency profile (being written).")
final class BenchCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        return 0;
    }
}
