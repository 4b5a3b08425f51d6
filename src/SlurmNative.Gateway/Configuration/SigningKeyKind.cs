using System.Text.Json;
using System.Text.Json.Serialization;
using SlurmNative.Credentials.Audit;
using SlurmNative.Credentials.Configuration;

namespace SlurmNative.Gateway.Configuration;

internal enum SigningKeyKind
{
    Hs256KeyFile,
    Rs256KeySet,
}
