using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// Runs the benchmarks named on the command line (BenchmarkDotNet's --filter syntax), e.g.
//   dotnet run -c Release --project bench/TimeMark.Bench -- --filter '*Datagram*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, DefaultConfig.Instance);
