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
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;

/**
 * The H2 backend with stored documents that are never mutated in place.
 *
 * <p>The stock backend returns the stored document objects from queries and findAndModify, and
 * its updates change those same objects. Replies are encoded after the collection lock is
 * released, so a concurrent update could show one caller another caller's post-image, or a reader
 * half of a multi-field update (and MVStore could serialize a document mid-update). Here every
 * matched document is deep-copied while the collection lock is held: an update changes its copy
 * and stores it in place of the old object, and a reply only ever holds a copy or an object that
 * no longer changes.
 */
final class CopyOnReadH2Backend extends H2Backend {

    // mongo-java-server's own map names (package-private in H2Database).
    private static final String DATA_MAP_PREFIX = "databases.";
    private static final String META_MAP_PREFIX = "meta.";

    CopyOnReadH2Backend(MVStore store) {
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
            super(databaseName, getMvStore(), CopyOnReadH2Backend.this.getCursorRegistry());
        }

        @Override
        protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
            MVStore store = CopyOnReadH2Backend.this.getMvStore();
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
