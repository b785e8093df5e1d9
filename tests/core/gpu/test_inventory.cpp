// GPU inventory: TUNELAB_FAKE_GPUS parsing, CUDA_VISIBLE_DEVICES parsing and filtering, discovery from the
// environment.
#include <QTest>

#include "core/gpu/inventory.h"

using namespace tunelab;
using namespace tunelab::gpu;

class TestInventory final : public QObject {
  Q_OBJECT
 private slots:
  void parsesFakeGpus_data() {
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<double>>("memory_mb");  // empty: an error
    QTest::newRow("count x size") << "4x80GB" << QList<double>{81920, 81920, 81920, 81920};
    QTest::newRow("one card") << "80GB" << QList<double>{81920};
    QTest::newRow("groups") << "2x40GB, 1X16gib" << QList<double>{40960, 40960, 16384};
    QTest::newRow("megabytes") << "1x512MB" << QList<double>{512};
    QTest::newRow("fractional size") << "2x0.5GB" << QList<double>{512, 512};
    QTest::newRow("no unit") << "4x80" << QList<double>{};
    QTest::newRow("zero count") << "0x80GB" << QList<double>{};
    QTest::newRow("garbage") << "lots" << QList<double>{};
    QTest::newRow("empty group") << "1x80GB," << QList<double>{};
  }
  void parsesFakeGpus() {
    QFETCH(QString, text);
    QFETCH(QList<double>, memory_mb);
    auto got = parse_fake_gpus(text.toStdString());
    if (memory_mb.isEmpty()) {
      QVERIFY(!got);
      QCOMPARE(QString::fromStdString(got.errors().front().where), QStringLiteral("TUNELAB_FAKE_GPUS"));
      return;
    }
    QVERIFY2(got, got.error_text().c_str());
    QCOMPARE(got->size(), size_t(memory_mb.size()));
    for (size_t i = 0; i < got->size(); ++i) {
      QCOMPARE((*got)[i].index, int(i));
      QCOMPARE((*got)[i].memory_total_mb, memory_mb[int(i)]);
      QVERIFY((*got)[i].fake);
      QCOMPARE((*got)[i].visible_id(), std::to_string(i));
    }
  }

  void visibleDevices_data() {
    QTest::addColumn<QString>("value");
    QTest::addColumn<QList<int>>("indices");
    QTest::newRow("subset in order") << "3,1" << QList<int>{3, 1};
    QTest::newRow("stops at -1") << "0,-1,2" << QList<int>{0};
    QTest::newRow("empty hides all") << "" << QList<int>{};
    QTest::newRow("unknown index ignored") << "1,9" << QList<int>{1};
    QTest::newRow("uuid prefix") << "FAKE-2" << QList<int>{2};
    QTest::newRow("duplicates once") << "2,2" << QList<int>{2};
  }
  void visibleDevices() {
    QFETCH(QString, value);
    QFETCH(QList<int>, indices);
    const auto all = *parse_fake_gpus("4x80GB");
    const QByteArray v = value.toUtf8();
    const auto ids = parse_visible_devices(v.constData());
    QVERIFY(ids.has_value());
    QList<int> got;
    for (const auto& d : filter_visible(all, *ids)) got.push_back(d.index);
    QCOMPARE(got, indices);
    QVERIFY(!parse_visible_devices(nullptr).has_value());
  }

  void discoversFromTheEnvironment() {
    qputenv("TUNELAB_FAKE_GPUS", "4x24GB");
    qputenv("CUDA_VISIBLE_DEVICES", "2,3");
    auto inv = discover_gpus();
    QVERIFY(inv);
    QCOMPARE(inv->source, std::string("fake"));
    QCOMPARE(inv->devices.size(), size_t(2));
    QCOMPARE(inv->devices[0].index, 2);
    QVERIFY(!inv->note.empty());
    qputenv("TUNELAB_FAKE_GPUS", "nonsense");
    QVERIFY(!discover_gpus());
    qunsetenv("TUNELAB_FAKE_GPUS");
    qputenv("CUDA_VISIBLE_DEVICES", "-1");
    inv = discover_gpus();
    QVERIFY(inv);
    QVERIFY(inv->devices.empty());
    qunsetenv("CUDA_VISIBLE_DEVICES");
  }
};

QTEST_GUILESS_MAIN(TestInventory)
#include "test_inventory.moc"
