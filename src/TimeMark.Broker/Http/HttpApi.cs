using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using TimeMark.Attestation;
using TimeMark.Broker.Devices;
using TimeMark.Broker.Hosting;
using TimeMark.Broker.Metrics;
using TimeMark.Broker.Pipeline;
using TimeMark.EvidenceLog;

namespace TimeMark.Broker.Http;

/// <summary>
/// The broker's HTTP API (issue 4): keys, the evidence log, devices,
/// rejections, health, and remote attestation (<see cref="AttestationEndpoints"/>). Everything an auditor needs to check a record offline.
/// </summary>
public static class HttpApi
{
    public static void Map(IEndpointRouteBuilder routes)
    {
        // Unhealthy once the evidence log has failed: from then on every message is refused, and only a restart reopens the
        // log, so a supervisor polling this should restart the broker.
        routes.MapGet("/healthz", (BrokerService broker) => broker.LogFailure is { } failure
            ? Results.Text($"evidence log failed: {failure.Message}\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("ok\n"));

        routes.MapGet("/metrics", (BrokerService broker) =>
        {
            using var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            PrometheusText.Write(text, broker);
            return Results.Text(text.ToString(), PrometheusText.ContentType);
        });

        // What the broker measured at start (docs/build.md): binary_hash over its own files now, the manifest's commit and
        // date, and whether everything matched. A development build (no manifest) or a mismatch is never "verified".
        routes.MapGet("/build", (BrokerService broker) =>
        {
            BuildMeasurement build = broker.Build;
            return Results.Json(new
            {
                binary_hash = build.BinaryHash,
                // The manifest's commit and date only once it matched; otherwise the commit compiled into the binaries.
                source_commit = build.IsVerified ? build.Manifest!.SourceCommit : BrokerService.SourceCommit(),
                build_date = build.IsVerified ? build.Manifest!.BuildDate : null,
                verified = build.IsVerified,
                status = build.Detail,
                manifest_binary_hash = build.Manifest?.BinaryHash,
                differences = build.Differences,
            });
        });

        routes.MapGet("/keys", (BrokerService broker) => Results.Json(new
        {
            timemark_key_pem = broker.Keys.TimeMark.PublicKey.ExportPem(),
            timemark_key_id = broker.Keys.TimeMark.PublicKey.Id.ToFullHex(),
            log_origin = broker.Keys.LogSigner.Name,
            log_verifier_key = broker.Keys.LogSigner.Verifier.Format(),
        }));

        routes.MapGet("/log/checkpoint", (BrokerService broker) =>
            Results.Bytes(broker.Log.LatestCheckpoint.Format(), "text/plain; charset=utf-8"));

        routes.MapGet("/log/entries/{index:long}", async (long index, BrokerService broker, CancellationToken cancellationToken) =>
        {
            if (index < 0 || index >= broker.Log.TreeSize)
                return Results.NotFound($"no entry {index}: the log holds {broker.Log.TreeSize} durable entries\n");
            byte[] entry = await broker.Log.Store.ReadEntryAsync(index, cancellationToken).ConfigureAwait(false);
            return Results.Bytes(entry, "application/octet-stream");
        });

        routes.MapGet("/log/proof/inclusion", async (long index, long? size, BrokerService broker, CancellationToken cancellationToken) =>
        {
            long treeSize = size ?? broker.LatestCheckpoint().TreeSize;
            if (index < 0 || index >= treeSize || treeSize > broker.Log.TreeSize)
                return Results.BadRequest($"need 0 <= index < size <= {broker.Log.TreeSize} (the durable tree)\n");
            InclusionProof proof = await broker.Log.Store.ProveInclusionAsync(index, treeSize, cancellationToken).ConfigureAwait(false);
            Hash leaf = MerkleHash.Leaf(await broker.Log.Store.ReadEntryAsync(index, cancellationToken).ConfigureAwait(false));
            return Results.Text(InclusionProofJson.From(proof, leaf).Format(), "application/json");
        });

        routes.MapGet("/log/proof/consistency", async (long from, long to, BrokerService broker, CancellationToken cancellationToken) =>
        {
            if (from < 0 || from > to || to > broker.Log.TreeSize)
                return Results.BadRequest($"need 0 <= from <= to <= {broker.Log.TreeSize} (the durable tree)\n");
            ConsistencyProof proof = await broker.Log.Store.ProveConsistencyAsync(from, to, cancellationToken).ConfigureAwait(false);
            return Results.Text(ConsistencyProofJson.From(proof).Format(), "application/json");
        });

        // C2SP tlog-tiles: hash tiles and entry bundles under /log/, so generic tiles clients can audit the log.
        routes.MapGet("/log/tile/{**path}", async (string path, BrokerService broker, HttpResponse response, CancellationToken cancellationToken) =>
        {
            if (!Tile.TryParsePath("tile/" + path, out Tile tile, out _))
                return Results.NotFound("not a tlog-tiles path\n");
            if (!tile.FitsIn(broker.Log.TreeSize))
                return Results.NotFound($"tile {tile.FormatPath()} is beyond the durable tree of {broker.Log.TreeSize} entries\n");
            byte[] data = await broker.Log.Store.ReadTileAsync(tile, cancellationToken).ConfigureAwait(false);
            if (!tile.IsPartial)
                response.Headers.CacheControl = "public, max-age=31536000, immutable";
            return Results.Bytes(data, "application/octet-stream");
        });

        routes.MapGet("/devices/{id}", (string id, BrokerService broker) =>
            broker.Activity.TryGet(id, out DeviceActivity? activity)
                ? Results.Json(Describe(id, activity!.Snapshot()))
                : Results.NotFound($"no datagram from {id} since the broker started\n"));

        routes.MapGet("/rejections", (DateTimeOffset? from, DateTimeOffset? to, BrokerService broker) =>
        {
            var body = new System.Buffers.ArrayBufferWriter<byte>();
            using (var json = new System.Text.Json.Utf8JsonWriter(body))
            {
                json.WriteStartArray();
                foreach (Rejection rejection in broker.Rejections.Between(from ?? DateTimeOffset.MinValue, to ?? DateTimeOffset.MaxValue))
                    rejection.WriteTo(json);
                json.WriteEndArray();
            }
            return Results.Bytes(body.WrittenMemory, "application/json; charset=utf-8");
        });

        AttestationEndpoints.Map(routes);
    }

    private static object Describe(string id, DeviceSnapshot device) => new
    {
        agent_id = id,
        last_ver = device.LastVer,
        marked = device.Marked,
        rejected = device.Rejected,
        ver_gaps = device.Gaps,
        ver_regressions = device.Regressions,
        replays = device.Replays,
        retransmissions = device.Retransmissions,
        clock_skew = new
        {
            count = device.Skew.Count,
            min_ms = device.Skew.MinMilliseconds,
            max_ms = device.Skew.MaxMilliseconds,
            mean_ms = device.Skew.MeanMilliseconds,
            last_ms = device.Skew.Last?.Milliseconds,
            last_ts_unit = device.Skew.Last?.AssumedTsUnit.ToString().ToLowerInvariant(),
        },
    };
}
