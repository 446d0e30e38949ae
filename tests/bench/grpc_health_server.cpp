// The peer of the gRPC Check throughput benchmark (tests/bench/grpc_check.py): a C++ gRPC
// server with nothing but the library's own health service
// (grpc::EnableDefaultHealthCheckService), listening on 127.0.0.1:PORT (argv[1]) without TLS,
// with service "" set to SERVING. The bench builds it into its work directory with g++ and
// pkg-config grpc++ (Debian's libgrpc++-dev); it is not part of the CMake build.
//
// In gRPC 1.51 the default health service is written with the callback API, and
// ServerBuilder::BuildAndStart() refuses a server whose own services have neither sync nor
// callback methods ("At least one of the completion queues must be frequently polled"). So
// the stock grpc::CallbackGenericService is registered too: it answers every unknown method
// with UNIMPLEMENTED, which is what grpc::Server registers by itself for a callback server.
#include <cstdio>
#include <memory>
#include <string>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
    return 2;
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::CallbackGenericService unimplemented;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(std::string("127.0.0.1:") + argv[1], grpc::InsecureServerCredentials());
  builder.RegisterCallbackGenericService(&unimplemented);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "grpc_health_server: cannot start on 127.0.0.1:%s\n", argv[1]);
    return 1;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  if (health == nullptr) {
    std::fprintf(stderr, "grpc_health_server: no default health check service\n");
    return 1;
  }
  health->SetServingStatus("", true);
  server->Wait();
  return 0;
}
