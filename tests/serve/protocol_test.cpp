// Every endpoint of the service and its error answers, against an in-process server on a
// loopback port. Expected outputs come from running the same input through the public API.
#include <gtest/gtest.h>

#include "tests/serve/serve_test_util.h"

namespace fovea {
namespace {

using nlohmann::json;
using serve_testing::infer_body;
using serve_testing::random_image;
using serve_testing::RunningServer;

class Protocol : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new RunningServer(serve_testing::mobilenet_options()); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static httplib::Client client() { return server_->client(); }
  // The error message of an answer, checking its status and JSON shape.
  static std::string error_of(const httplib::Result& r, int status) {
    EXPECT_TRUE(r) << "no answer";
    if (!r) return "";
    EXPECT_EQ(r->status, status) << r->body;
    json body = json::parse(r->body, nullptr, false);
    EXPECT_TRUE(body.is_object() && body.contains("error")) << r->body;
    return body.is_object() && body.contains("error") ? body["error"].get<std::string>() : "";
  }
  static std::vector<float> expected_logits(const std::vector<float>& image) {
    static auto model = Model::load(serve_testing::source_path("models/mobilenetv2-fp32.onnx"));
    Session session(model);
    auto out = session.run({TensorView(image.data(), {1, 3, 224, 224})});
    return {out[0].values<float>().begin(), out[0].values<float>().end()};
  }
  static inline RunningServer* server_ = nullptr;
};

double max_difference(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return 1e9;
  double d = 0;
  for (size_t i = 0; i < a.size(); ++i) d = std::max(d, static_cast<double>(std::abs(a[i] - b[i])));
  return d;
}

TEST_F(Protocol, HealthEndpoints) {
  auto c = client();
  auto live = c.Get("/v2/health/live");
  ASSERT_TRUE(live);
  EXPECT_EQ(live->status, 200);
  EXPECT_EQ(json::parse(live->body)["live"], true);
  auto ready = c.Get("/v2/health/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(json::parse(ready->body)["ready"], true);
  auto server = c.Get("/v2");
  ASSERT_TRUE(server);
  EXPECT_EQ(json::parse(server->body)["name"], "fovea");
}

TEST_F(Protocol, ModelMetadataAndReadiness) {
  auto c = client();
  auto meta = c.Get("/v2/models/mnv2");
  ASSERT_TRUE(meta);
  ASSERT_EQ(meta->status, 200);
  json m = json::parse(meta->body);
  EXPECT_EQ(m["name"], "mnv2");
  EXPECT_EQ(m["platform"], "onnx");
  ASSERT_EQ(m["inputs"].size(), 1u);
  EXPECT_EQ(m["inputs"][0]["name"], "input");
  EXPECT_EQ(m["inputs"][0]["datatype"], "FP32");
  EXPECT_EQ(m["inputs"][0]["shape"], json({-1, 3, 224, 224}));
  EXPECT_EQ(m["outputs"][0]["shape"], json({-1, 1000}));
  auto ready = c.Get("/v2/models/mnv2/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(json::parse(ready->body)["ready"], true);
}

TEST_F(Protocol, UnknownModelsAndPathsAre404) {
  auto c = client();
  EXPECT_NE(error_of(c.Get("/v2/models/nope"), 404).find("'nope'"), std::string::npos);
  EXPECT_NE(error_of(c.Get("/v2/models/nope/ready"), 404).find("'nope'"), std::string::npos);
  EXPECT_NE(error_of(c.Post("/v2/models/nope/infer", "{}", "application/json"), 404).find("nope"),
            std::string::npos);
  EXPECT_NE(error_of(c.Get("/v3/elsewhere"), 404).find("/v3/elsewhere"), std::string::npos);
}

TEST_F(Protocol, InferReturnsTheModelsOutput) {
  std::vector<float> image = random_image(21);
  auto r = client().Post("/v2/models/mnv2/infer", infer_body(image, {1, 3, 224, 224}),
                         "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 300);
  json body = json::parse(r->body);
  EXPECT_EQ(body["model_name"], "mnv2");
  EXPECT_EQ(body["id"], "req-1");
  ASSERT_EQ(body["outputs"].size(), 1u);
  const json& out = body["outputs"][0];
  EXPECT_EQ(out["datatype"], "FP32");
  EXPECT_EQ(out["shape"], json({1, 1000}));
  EXPECT_LT(max_difference(out["data"].get<std::vector<float>>(), expected_logits(image)), 1e-3);
}

TEST_F(Protocol, InferAcceptsNestedData) {
  std::vector<float> image = random_image(22);
  json nested = json::array();
  nested.push_back(json::array());
  for (int c = 0; c < 3; ++c) {
    json plane = json::array();
    for (int y = 0; y < 224; ++y) {
      auto row = image.begin() + (c * 224 + y) * 224;
      plane.push_back(std::vector<float>(row, row + 224));
    }
    nested[0].push_back(plane);
  }
  json body = {
      {"inputs",
       {{{"name", "input"}, {"shape", {1, 3, 224, 224}}, {"datatype", "FP32"}, {"data", nested}}}}};
  auto r = client().Post("/v2/models/mnv2/infer", body.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body.substr(0, 300);
  auto data = json::parse(r->body)["outputs"][0]["data"].get<std::vector<float>>();
  EXPECT_LT(max_difference(data, expected_logits(image)), 1e-3);
}

TEST_F(Protocol, InferErrorsAre4xxWithClearMessages) {
  auto c = client();
  auto post = [&](const std::string& body) {
    return c.Post("/v2/models/mnv2/infer", body, "application/json");
  };
  EXPECT_NE(error_of(post("{\"inputs\": [1, 2"), 400).find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(post("[]"), 400).find("object"), std::string::npos);
  EXPECT_NE(error_of(post("{}"), 400).find("'inputs'"), std::string::npos);
  std::vector<float> small(3 * 10 * 10, 0.5f);
  EXPECT_NE(error_of(post(infer_body(small, {1, 3, 10, 10})), 400).find("expected shape"),
            std::string::npos);
  EXPECT_NE(error_of(post(infer_body(small, {1, 3, 224, 224})), 400).find("needs 150528 values"),
            std::string::npos);
  EXPECT_NE(error_of(post(infer_body(small, {1, 3, 10, 10}, "pixels")), 400).find("'pixels'"),
            std::string::npos);
  json wrong_type = {{"inputs",
                      {{{"name", "input"},
                        {"shape", {1, 3, 224, 224}},
                        {"datatype", "INT64"},
                        {"data", json::array()}}}}};
  EXPECT_NE(error_of(post(wrong_type.dump()), 400).find("FP32"), std::string::npos);
  json bad_type = {
      {"inputs", {{{"name", "input"}, {"shape", {1}}, {"datatype", "COMPLEX"}, {"data", {1}}}}}};
  EXPECT_NE(error_of(post(bad_type.dump()), 400).find("COMPLEX"), std::string::npos);
  json strings = {{"inputs",
                   {{{"name", "input"},
                     {"shape", {1, 3, 1, 1}},
                     {"datatype", "FP32"},
                     {"data", {"a", "b", "c"}}}}}};
  EXPECT_EQ(error_of(post(strings.dump()), 400).empty(), false);
  json deep = json::parse(std::string(100, '[') + std::string(100, ']'));
  json nested = {
      {"inputs",
       {{{"name", "input"}, {"shape", {1, 3, 224, 224}}, {"datatype", "FP32"}, {"data", deep}}}}};
  EXPECT_NE(error_of(post(nested.dump()), 400).find("nested"), std::string::npos);
}

TEST_F(Protocol, SizeLimitsAre413) {
  auto c = client();
  // 8 images exceed the test server's 2^20 elements per tensor; the data is not even read.
  json big = {{"inputs",
               {{{"name", "input"},
                 {"shape", {8, 3, 224, 224}},
                 {"datatype", "FP32"},
                 {"data", json::array()}}}}};
  EXPECT_NE(
      error_of(c.Post("/v2/models/mnv2/infer", big.dump(), "application/json"), 413).find("limit"),
      std::string::npos);
  const std::string huge(17u << 20, ' ');  // over the 16 MiB body limit
  error_of(c.Post("/v2/models/mnv2/infer", huge, "application/json"), 413);
}

TEST_F(Protocol, ClassifyRawAndMultipartImages) {
  const std::string png =
      serve_testing::read_file(serve_testing::source_path("models/samples/chelsea.png"));
  ASSERT_FALSE(png.empty());
  auto c = client();
  auto raw = c.Post("/v2/models/mnv2/classify?top_k=3", png, "image/png");
  ASSERT_TRUE(raw);
  ASSERT_EQ(raw->status, 200) << raw->body;
  json body = json::parse(raw->body);
  ASSERT_EQ(body["top_k"].size(), 3u);
  const std::string label = body["top_k"][0]["label"];
  EXPECT_NE(label.find("cat"), std::string::npos) << raw->body;  // the sample is a tabby cat
  EXPECT_GT(body["top_k"][0]["probability"].get<double>(),
            body["top_k"][1]["probability"].get<double>());

  httplib::MultipartFormDataItems items = {{"image", png, "chelsea.png", "image/png"}};
  auto multi = c.Post("/v2/models/mnv2/classify", items);
  ASSERT_TRUE(multi);
  ASSERT_EQ(multi->status, 200) << multi->body;
  json m = json::parse(multi->body);
  EXPECT_EQ(m["top_k"].size(), 5u);
  EXPECT_EQ(m["top_k"][0]["index"], body["top_k"][0]["index"]);
}

TEST_F(Protocol, ClassifyErrors) {
  auto c = client();
  EXPECT_NE(
      error_of(c.Post("/v2/models/mnv2/classify", "not an image", "image/png"), 400).find("image"),
      std::string::npos);
  EXPECT_NE(error_of(c.Post("/v2/models/mnv2/classify", "", "image/png"), 400).find("no image"),
            std::string::npos);
  const std::string png =
      serve_testing::read_file(serve_testing::source_path("models/samples/chelsea.png"));
  EXPECT_NE(
      error_of(c.Post("/v2/models/mnv2/classify?top_k=0", png, "image/png"), 400).find("top_k"),
      std::string::npos);
  EXPECT_NE(
      error_of(c.Post("/v2/models/mnv2/classify?top_k=x", png, "image/png"), 400).find("top_k"),
      std::string::npos);
  error_of(c.Post("/v2/models/none/classify", png, "image/png"), 404);
}

TEST_F(Protocol, ConcurrentRequestsAreBatchedAndAnsweredCorrectly) {
  constexpr int kClients = 4;
  std::vector<std::vector<float>> images;
  for (int i = 0; i < kClients; ++i) images.push_back(random_image(300 + i));
  std::vector<std::string> bodies;
  for (const auto& image : images) bodies.push_back(infer_body(image, {1, 3, 224, 224}));
  std::vector<std::vector<float>> answers(kClients);
  std::vector<int> statuses(kClients, 0);
  for (int round = 0; round < 3; ++round) {
    std::vector<std::thread> threads;
    for (int i = 0; i < kClients; ++i) {
      threads.emplace_back([&, i] {
        auto r = client().Post("/v2/models/mnv2/infer", bodies[i], "application/json");
        statuses[i] = r ? r->status : -1;
        if (r && r->status == 200) {
          answers[i] = json::parse(r->body)["outputs"][0]["data"].get<std::vector<float>>();
        }
      });
    }
    for (auto& t : threads) t.join();
    for (int i = 0; i < kClients; ++i) {
      ASSERT_EQ(statuses[i], 200);
      EXPECT_LT(max_difference(answers[i], expected_logits(images[i])), 1e-3) << "client " << i;
    }
  }
  // Some run took more than one row (the queue waits up to 20 ms for company).
  auto metrics = client().Get("/metrics");
  ASSERT_TRUE(metrics);
  const std::string& text = metrics->body;
  const std::string one_row = "fovea_batch_size_bucket{model=\"mnv2\",le=\"1\"} ";
  const std::string all = "fovea_batch_size_count{model=\"mnv2\"} ";
  ASSERT_NE(text.find(one_row), std::string::npos) << text;
  const long singles = std::stol(text.substr(text.find(one_row) + one_row.size()));
  const long batches = std::stol(text.substr(text.find(all) + all.size()));
  EXPECT_LT(singles, batches) << text;
}

TEST_F(Protocol, MetricsInPrometheusFormat) {
  auto c = client();
  c.Get("/v2/health/live");
  c.Get("/v2/models/nope");
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  const std::string& text = r->body;
  EXPECT_NE(text.find("# TYPE fovea_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("fovea_requests_total{model=\"\",endpoint=\"live\"}"), std::string::npos);
  EXPECT_NE(text.find("fovea_request_errors_total{model=\"(unknown)\",endpoint=\"metadata\","
                      "status=\"404\"}"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE fovea_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(text.find("fovea_request_duration_seconds_bucket{endpoint=\"live\",le=\"+Inf\"}"),
            std::string::npos);
  EXPECT_NE(text.find("fovea_queue_depth{model=\"mnv2\"} 0"), std::string::npos) << text;
}

}  // namespace
}  // namespace fovea
