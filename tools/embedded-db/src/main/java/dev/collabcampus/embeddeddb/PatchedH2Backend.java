package dev.collabcampus.embeddeddb;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.bson.ObjectId;

/**
 * mongo-java-server's H2 backend with three fixes for concurrent clients.
 *
 * <ul>
 * <li>Stored documents are never mutated in place. The stock backend returns the stored document
 * objects from queries and findAndModify, and its updates change those same objects. Replies are
 * encoded after the collection lock is released, so a concurrent update could show one caller
 * another caller's post-image, or a reader half of a multi-field update (and MVStore could
 * serialize a document mid-update). Here every matched document is deep-copied while the
 * collection lock is held: an update changes its copy and stores it in place of the old object,
 * and a reply only ever holds a copy or an object that no longer changes.</li>
 * <li>A query by _id (or _id $in a list) reads the documents by their keys, and a query that names an indexed field
 * among others is narrowed by that index instead of scanning the collection (see
 * {@code queryDocuments}).</li>
 * <li>Creating a collection is atomic (see {@code createCollectionOrThrowIfExists}).</li>
 * </ul>
 */
final class PatchedH2Backend extends H2Backend {

    // mongo-java-server's own map names (package-private in H2Database).
    private static final String DATA_MAP_PREFIX = "databases.";
    private static final String META_MAP_PREFIX = "meta.";

    PatchedH2Backend(MVStore store) {
        super(store);
    }

    @Override
    protected MongoDatabase openOrCreateDatabase(String databaseName) {
        return new Database(databaseName);
    }

    /**
     * An inner class: H2Database's constructor opens the existing collections through
     * openOrCreateCollection before any field of a subclass is set, but the outer backend (and so
     * its store) is already there.
     */
    private final class Database extends H2Database {

        Database(String databaseName) {
            super(databaseName, getMvStore(), PatchedH2Backend.this.getCursorRegistry());
        }

        /**
         * Upstream checks for the collection and then creates it without a lock, so two clients
         * creating one collection at once (two app instances booting) could both pass the check,
         * and the second got an internal error instead of "namespace exists". Same monitor as
         * upstream's synchronized resolveOrCreateCollection.
         */
        @Override
        public synchronized MongoCollection<Object> createCollectionOrThrowIfExists(String collectionName,
                                                                                  CollectionOptions options) {
            return super.createCollectionOrThrowIfExists(collectionName, options);
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            MVStore store = PatchedH2Backend.this.getMvStore();
            String fullName = getFullCollectionNamespace(collectionName);
            MVMap<Object, Document> dataMap = store.openMap(DATA_MAP_PREFIX + fullName);
            MVMap<String, Object> metaMap = store.openMap(META_MAP_PREFIX + fullName);
            return new Collection(this, collectionName, options, dataMap, metaMap, cursorRegistry);
        }
    }

    private static final class Collection extends H2Collection {

        Collection(MongoDatabase database, String collectionName, CollectionOptions options,
                   MVMap<Object, Document> dataMap, MVMap<String, Object> metaMap, CursorRegistry cursorRegistry) {
            super(database, collectionName, options, dataMap, metaMap, cursorRegistry);
        }

        /**
         * Upstream uses an index only for a query that names exactly its keys, so a query that
         * also names other fields (a move: _id and projectId and a condition on the lock) scans
         * the whole collection. Here such a query takes its candidates from the index on the
         * fields it does name, and every candidate is still matched against the whole query.
         */
        @Override
        protected QueryResult queryDocuments(Document query, Document orderBy, int numberToSkip, int limit,
                                             int batchSize, Document fieldSelector) {
            List<Object> ids = getIdField() == null ? null : idsNamed(query.get(getIdField()));
            if (ids != null) {
                // The data map is keyed by _id itself. Upstream goes through the _id index, whose
                // keys H2 can only compare by Java-serializing both sides at every step of the
                // search: two thirds of the server's CPU on a findById.
                List<Object> positions = ids.stream().distinct().filter(id -> getDocument(id) != null)
                    .collect(Collectors.toList());
                return matchDocuments(query, positions, orderBy, numberToSkip, limit, batchSize, fieldSelector);
            }
            List<Index<Object>> indexes = getIndexes();
            if (indexes.stream().noneMatch(index -> index.canHandle(query))) {
                for (Index<Object> index : indexes) {
                    Document indexedPart = indexedPart(query, index);
                    if (indexedPart != null && index.canHandle(indexedPart)) {
                        return matchDocuments(query, index.getPositions(indexedPart), orderBy, numberToSkip, limit,
                            batchSize, fieldSelector);
                    }
                }
            }
            return super.queryDocuments(query, orderBy, numberToSkip, limit, batchSize, fieldSelector);
        }

        /**
         * The _ids a condition on _id names, when they are all plain keys of the data map: an
         * ObjectId or string, or {$in: [...]} of them (the app reads sessions and users that way,
         * many at once). Null for any other condition.
         */
        private static List<Object> idsNamed(Object condition) {
            if (isKey(condition)) {
                return List.of(condition);
            }
            if (condition instanceof Document && ((Document) condition).size() == 1
                && ((Document) condition).get("$in") instanceof java.util.Collection) {
                java.util.Collection<?> values = (java.util.Collection<?>) ((Document) condition).get("$in");
                if (values.stream().allMatch(value -> isKey(value))) {
                    return List.copyOf(values);
                }
            }
            return null;
        }

        private static boolean isKey(Object value) {
            return value instanceof ObjectId || value instanceof String;
        }

        /** The query's conditions on the index's keys, or null when it does not name them all. */
        private static Document indexedPart(Document query, Index<Object> index) {
            Document part = new Document();
            for (IndexKey key : index.getKeys()) {
                if (!query.containsKey(key.getKey())) {
                    return null;
                }
                part.put(key.getKey(), query.get(key.getKey()));
            }
            return part.size() < query.size() ? part : null;
        }

        /** Every query, update and findAndModify selects its documents here, under the collection lock. */
        @Override
        protected QueryResult matchDocumentsFromStream(Document query, Stream<Document> documentStream,
                                                       int numberToSkip, int limit, int batchSize,
                                                       Comparator<Document> documentComparator,
                                                       Document fieldSelector) {
            Stream<Document> matches = documentStream.filter(document -> documentMatchesQuery(document, query));
            if (documentComparator != null) {
                matches = matches.sorted(documentComparator);
            }
            if (numberToSkip > 0) {
                matches = matches.skip(numberToSkip);
            }
            if (limit > 0) {
                matches = matches.limit(limit);
            }
            // Copy only what is returned; projection and batching stay upstream's.
            List<Document> copies = matches.map(Document::cloneDeeply).collect(Collectors.toList());
            return super.matchDocumentsFromStream(new Document(), copies.stream(), 0, 0, batchSize, null, fieldSelector);
        }
    }
}
