using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using TimeMark.Bench.EvidenceLog;

// Runs the benchmarks named on the command line (BenchmarkDotNet's --filter syntax), e.g.
//   dotnet run -c Release --project bench/TimeMark.Bench -- --filter '*Datagram*'
// or, with "log-latency" first, the open-loop append latency measurement (LogLatency):
//   dotnet run -c Release --project bench/TimeMark.Bench -- log-latency [rate/s] [seconds]
// or, with "broker-load" first, the MQTT load generator (BrokerLoad) that bench/brokers.sh drives,
// or, with "crypto-limit" first, the per-core crypto cost of the full path (CryptoLimit),
// or, with "broker-pipeline" first, the broker's per-message path without MQTT (PipelineLoad),
// or, with "mqttnet-server" first, MQTTnet's server without TimeMark's per-message path (PlainMqttnetServer).
if (args.Length > 0 && args[0] == "log-latency")
{
    return await LogLatency.RunAsync(args[1..]);
}
if (args.Length > 0 && args[0] == "broker-load")
{
    return await TimeMark.Bench.Broker.BrokerLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "crypto-limit")
{
    return TimeMark.Bench.Broker.CryptoLimit.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "broker-pipeline")
{
    return await TimeMark.Bench.Broker.PipelineLoad.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "mqttnet-server")
{
    return await TimeMark.Bench.Broker.PlainMqttnetServer.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "idle-connections")
{
    return await TimeMark.Bench.Broker.IdleConnections.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, DefaultConfig.Instance);
return 0;
