// The GUI's background library: tasks run in order on one thread, their results and errors
// reach continuations on the GUI thread, and a continuation attached right after submit()
// never runs inside the caller's code, however quickly the task ends.

#include "tests/support/temp_dir.h"
#include "ui/library_worker.h"

#include <QThread>
#include <QtTest>

#include <stdexcept>
#include <vector>

using namespace lookalike;

class LibraryWorkerTest : public QObject {
    Q_OBJECT

private slots:
    void continuationNeverRunsInsideTheCaller() {
        fixtures::TempDir dir;
        ui::LibraryWorker worker(dir.path() / "library", {});
        QFuture<int> future = worker.submit([](services::Library&) { return 7; });
        QThread::msleep(300);  // long enough for the task to be done, had it started already
        int result = 0;
        future.then(this, [&](int value) { result = value; });
        QCOMPARE(result, 0);
        QTRY_COMPARE_WITH_TIMEOUT(result, 7, 30000);
    }

    void tasksRunInOrderAndErrorsReachTheirOwnFuture() {
        fixtures::TempDir dir;
        ui::LibraryWorker worker(dir.path() / "library", {});
        std::vector<int> order;  // touched by the tasks, one at a time, then read here
        QString error;
        bool lastDone = false;
        worker.submit([&](services::Library&) { order.push_back(1); });
        worker.submit([&](services::Library&) -> int {
                  order.push_back(2);
                  throw std::runtime_error("disk full");
              })
            .then(this, [](int) { QFAIL("a failed task has no result"); })
            .onFailed(this, [&](const std::exception& e) { error = QString::fromUtf8(e.what()); });
        worker.submit([&](services::Library& library) {
                  order.push_back(3);
                  return library.catalog().itemCount();
              })
            .then(this, [&](std::int64_t count) {
                QCOMPARE(count, std::int64_t{0});
                lastDone = true;
            });
        QTRY_VERIFY_WITH_TIMEOUT(lastDone, 30000);
        QCOMPARE(error, QStringLiteral("disk full"));
        QCOMPARE(order, (std::vector<int>{1, 2, 3}));
    }

    void tasksNotStartedAreDroppedWithTheWorker() {
        fixtures::TempDir dir;
        bool ran = false;
        QFuture<void> future;
        {
            ui::LibraryWorker worker(dir.path() / "library", {});
            future = worker.submit([&](services::Library&) { ran = true; });
        }
        QCoreApplication::processEvents();
        QVERIFY(!ran);
        QVERIFY(future.isFinished());
        QVERIFY(future.isCanceled());
    }
};

QTEST_MAIN(LibraryWorkerTest)
#include "library_worker_test.moc"
