namespace TimeMark.Broker.Access;

/// <summary>
/// Who a connected client is, as far as the broker trusts it: an agent known
/// by its key (a device or a BRAID user), or another client named in the access list.
/// The name comes from the client certificate's subject CN under mTLS, otherwise
/// from the MQTT client ID (agents) or username (other clients); docs/broker.md
/// says what each mode proves.
/// </summary>
public readonly record struct ClientIdentity(string Name, bool IsAgent);
