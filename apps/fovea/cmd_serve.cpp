// fovea serve --model NAME=PATH [--model ...] [--port P] [--workers W] [--max-batch B]
//             [--max-delay-ms D] [--host H] [--threads T] [--max-body-mb M]
//             [--huge-pages]
// The inference service (apps/serve/server.h): KServe v2 REST, /classify, /metrics. SIGTERM or
// SIGINT stops accepting connections, finishes the requests in flight, drains the batch queues
// and exits 0.
#include <csignal>
#include <iostream>
#include <thread>

#include "apps/fovea/commands.h"
#include "apps/serve/server.h"

namespace fovea::cli {
namespace {

struct ServeArgs {
  std::vector<std::string> models;  // NAME=PATH
  std::string host = "127.0.0.1";
  int port = 8000;
  int workers = 8;
  int max_batch = 8;
  int max_delay_ms = 2;
  int threads = 0;
  int max_body_mb = 64;
  bool huge_pages = false;
};

int serve(const ServeArgs& args) {
  serve::ServeOptions options;
  for (const std::string& spec : args.models) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      std::cerr << "error: --model expects NAME=PATH, got '" << spec << "'\n";
      return 2;
    }
    options.models.push_back({spec.substr(0, eq), spec.substr(eq + 1), ""});
  }
  options.host = args.host;
  options.port = args.port;
  options.http_threads = args.workers;
  options.batching.max_batch = args.max_batch;
  options.batching.max_delay_ms = args.max_delay_ms;
  options.model.threads = args.threads;
  options.model.huge_pages = args.huge_pages;
  options.max_body_bytes = static_cast<size_t>(args.max_body_mb) << 20;

  // Signals are taken by one thread (sigwait), so every thread started later has them blocked.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  try {
    serve::Server server(options);
    server.bind();
    std::thread waiter([&] {
      int signal = 0;
      sigwait(&stop_signals, &signal);
      std::cerr << "fovea serve: signal " << signal << ", draining\n";
      server.stop();
    });
    std::cout << "fovea serve: listening on http://" << options.host << ":" << server.port()
              << std::endl;
    server.serve();
    // serve() also returns when listening fails; wake the waiter then (the signal stays
    // blocked, so it only reaches sigwait).
    pthread_kill(waiter.native_handle(), SIGTERM);
    waiter.join();
    std::cerr << "fovea serve: stopped\n";
  } catch (const Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve models over HTTP (KServe v2 REST protocol)");
  cmd->add_option("--model,-m", args->models, "NAME=PATH of an ONNX model (repeatable)")
      ->required();
  cmd->add_option("--host", args->host, "Address to listen on");
  cmd->add_option("--port,-p", args->port, "Port (0: any free port)")->check(CLI::Range(0, 65535));
  cmd->add_option("--workers,-w", args->workers, "HTTP worker threads")->check(CLI::Range(1, 1024));
  cmd->add_option("--max-batch", args->max_batch, "Most rows one batched run takes")
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-delay-ms", args->max_delay_ms, "Longest a request waits for a batch")
      ->check(CLI::Range(0, 10000));
  cmd->add_option("--threads,-t", args->threads, "Cores per model run (0: all)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--max-body-mb", args->max_body_mb, "Largest request body in MiB")
      ->check(CLI::Range(1, 4096));
  cmd->add_flag("--huge-pages", args->huge_pages,
                "Weights of memory-bound layers on huge pages (faster runs, slower load)");
  cmd->callback([args, &exit_code] { exit_code = serve(*args); });
}

}  // namespace fovea::cli
